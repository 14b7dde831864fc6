import { expect } from 'chai';
import { toApplication } from '../../src/model/canonical.js';
import { parseRecordedSpec } from '../../src/validation/recorded-spec.js';
import { renderSpec } from '../../src/systemd/unit.js';
import { thrown } from './helpers.js';

const app = toApplication('web', {
  image: 'nginx',
  ports: [{ internal: 80, external: 8080 }],
  environment: { A: 'x' },
  restart_policy: { name: 'on-failure' },
});

function refusal(
  damage: (spec: { application: Record<string, unknown> } & Record<string, unknown>) => void,
): string {
  const spec = JSON.parse(renderSpec(app, { DB_PORT: 'tcp://198.51.100.2:5432' }, '/flocker/web')) as {
    application: Record<string, unknown>;
  } & Record<string, unknown>;
  damage(spec);
  const e = thrown(() => parseRecordedSpec(JSON.stringify(spec), '/var/lib/flocker/apps/web.json'));
  expect(e.code).to.equal('E_SPEC');
  return e.message;
}

describe('recorded spec file', function () {
  it('reads back exactly what was recorded', function () {
    expect(parseRecordedSpec(renderSpec(app, { L: 'v' }, '/flocker/web'), 'f')).to.deep.equal({
      format: 'flocker-application/1',
      application: app,
      link_environment: { L: 'v' },
      volume_path: '/flocker/web',
    });
  });

  it('refuses damage with E_SPEC, naming the file and the JSON path', function () {
    expect(thrown(() => parseRecordedSpec('', '/s.json')).message).to.match(
      /^\/s\.json: damaged application spec: not JSON/,
    );
    expect(refusal((s) => (s.format = 'flocker-application/2'))).to.equal(
      '/var/lib/flocker/apps/web.json: damaged application spec: format: expected "flocker-application/1", found "flocker-application/2"',
    );
    expect(refusal((s) => delete s.application.links)).to.match(/: application: missing key links$/);
    expect(refusal((s) => (s.application.name = '../x'))).to.match(
      /: application\.name: expected an application name/,
    );
    expect(refusal((s) => (s.link_environment = { X: 1 }))).to.match(
      /: link_environment\.X: must be string, found 1$/,
    );
    expect(
      refusal((s) => (s.application.restart_policy = { name: 'never', maximum_retry_count: 1 })),
    ).to.match(/: application\.restart_policy\.maximum_retry_count: only with name on-failure/);
  });
});
