import { expect } from 'chai';
import { parseRoutesFile } from '../../src/validation/routes-file.js';
import { renderRoutesFile } from '../../src/routing/route-table.js';
import { thrown } from './helpers.js';

const routes = [
  { port: 80, target_address: '198.51.100.2', target_port: 80 },
  { port: 5432, target_address: '198.51.100.3', target_port: 5432 },
];

function refusal(text: string): string {
  const e = thrown(() => parseRoutesFile(text, '/var/lib/flocker/routes.json'));
  expect(e.code).to.equal('E_ROUTES');
  return e.message.replace('/var/lib/flocker/routes.json: damaged routes file: ', '');
}

describe('routes file', function () {
  it('reads back the routes it recorded', function () {
    expect(parseRoutesFile(renderRoutesFile(routes), 'f')).to.deep.equal(routes);
    expect(parseRoutesFile(renderRoutesFile([]), 'f')).to.deep.equal([]);
  });

  it('refuses damage with E_ROUTES, naming the file and the JSON path', function () {
    expect(refusal('{')).to.match(/^not JSON/);
    expect(refusal('{"format":"flocker-routes/2","routes":[]}')).to.equal(
      'format: expected "flocker-routes/1", found "flocker-routes/2"',
    );
    expect(refusal('{"format":"flocker-routes/1"}')).to.equal('(document): missing key routes');
    expect(
      refusal('{"format":"flocker-routes/1","routes":[{"port":"80","target_address":"x","target_port":80}]}'),
    ).to.equal('routes[0].port: must be integer, found "80"');
    expect(
      refusal(
        '{"format":"flocker-routes/1","routes":[{"port":80,"target_address":"x","target_port":80,"to":1}]}',
      ),
    ).to.equal('routes[0]: unexpected key to');
  });

  it('checks what the schema cannot: addresses, one route per port', function () {
    const twice = renderRoutesFile([routes[0]!, { ...routes[1]!, port: 80 }]);
    expect(refusal(twice)).to.equal('two routes for port 80');
    expect(refusal(renderRoutesFile([{ ...routes[0]!, target_address: 'db' }]))).to.equal(
      'route target "db" is not an IPv4 address',
    );
  });
});
