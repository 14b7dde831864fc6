import { expect } from 'chai';
import { linkEnvironment, linkVariables } from '../../src/plan/links.js';
import { toApplication } from '../../src/model/canonical.js';

describe('link variables', function () {
  it('are docker-link style, pointing at the node address and the remote (external) port', function () {
    expect(
      linkVariables({ alias: 'db', local_port: 5432, remote_port: 15432 }, '198.51.100.3'),
    ).to.deep.equal({
      DB_PORT_5432_TCP: 'tcp://198.51.100.3:15432',
      DB_PORT_5432_TCP_ADDR: '198.51.100.3',
      DB_PORT_5432_TCP_PORT: '15432',
      DB_PORT_5432_TCP_PROTO: 'tcp',
    });
  });
  it('upper-cases the alias and maps non-alphanumerics to _, for every link, sorted', function () {
    const app = toApplication('web', {
      image: 'x',
      links: [
        { alias: 'my-cache', local_port: 6379, remote_port: 16379 },
        { alias: 'db', local_port: 5432, remote_port: 5432 },
      ],
    });
    const env = linkEnvironment(app, '10.0.0.1');
    expect(Object.keys(env)).to.deep.equal([
      'DB_PORT_5432_TCP',
      'DB_PORT_5432_TCP_ADDR',
      'DB_PORT_5432_TCP_PORT',
      'DB_PORT_5432_TCP_PROTO',
      'MY_CACHE_PORT_6379_TCP',
      'MY_CACHE_PORT_6379_TCP_ADDR',
      'MY_CACHE_PORT_6379_TCP_PORT',
      'MY_CACHE_PORT_6379_TCP_PROTO',
    ]);
    expect(env.MY_CACHE_PORT_6379_TCP).to.equal('tcp://10.0.0.1:16379');
    expect(linkEnvironment(toApplication('x', { image: 'x' }), '10.0.0.1')).to.deep.equal({});
  });
});
