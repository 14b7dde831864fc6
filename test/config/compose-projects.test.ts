// fixtures/compose-projects/<project>/: compose files as people write them (compose.yml, with
// .env and env files beside it), a deployment.yml for nodes n1 and n2, and expected.json: the
// whole DesiredConfig they load into. The deploying environment is fixed here (the seam), so
// the machine's own variables never change the result.
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import { loadDesiredConfig } from '../../src/config/index.js';

const DIR = 'fixtures/compose-projects';
const ENV = { TZ: 'Europe/Paris', LOG_LEVEL: 'debug' };

describe('compose projects (fixtures/compose-projects)', () => {
  const projects = readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

  it('has the five projects', () => {
    expect(projects).to.deep.equal([
      'compose-spec',
      'nginx-postgres',
      'redis',
      'v2-links',
      'wordpress-mysql',
    ]);
  });

  for (const name of projects) {
    it(`${name} loads into the expected applications`, async () => {
      const d = await loadDesiredConfig(`${DIR}/${name}/deployment.yml`, `${DIR}/${name}/compose.yml`, {
        env: ENV,
      });
      const expected: unknown = JSON.parse(readFileSync(`${DIR}/${name}/expected.json`, 'utf8'));
      expect(JSON.parse(JSON.stringify(d))).to.deep.equal(expected);
    });
  }

  it('the deploying environment wins over .env', async () => {
    const d = await loadDesiredConfig(
      `${DIR}/compose-spec/deployment.yml`,
      `${DIR}/compose-spec/compose.yml`,
      {
        env: { ...ENV, API_TAG: '2.0.0', API_PORT: '9090' },
      },
    );
    expect(d.applications['api']?.image).to.equal('registry.example.com/shop/api:2.0.0');
    expect(d.applications['api']?.ports).to.deep.equal([{ internal: 8080, external: 9090 }]);
  });
});
