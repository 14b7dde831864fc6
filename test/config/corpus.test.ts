// Every fixtures/bad/<case>/ holds application.yml, deployment.yml and expected.txt: the exact
// error text, one problem per line. Run from the repository root (paths are relative).
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { loadDesiredConfig, parseApplicationConfig } from '../../src/config/index.js';

const BAD = 'fixtures/bad';
const cases = readdirSync(BAD, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('config corpus (fixtures/bad)', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).to.be.at.least(30);
  });

  for (const name of cases) {
    it(name, async () => {
      const appsFile = `${BAD}/${name}/application.yml`;
      const depFile = `${BAD}/${name}/deployment.yml`;
      const expected = readFileSync(`${BAD}/${name}/expected.txt`, 'utf8').replace(/\n$/, '');
      let err: unknown;
      try {
        await loadDesiredConfig(depFile, appsFile);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(InputError);
      expect((err as InputError).message).to.equal(expected);
      const e = err as InputError;
      expect(e.problems.length + (e.omitted > 0 ? 1 : 0)).to.equal(expected.split('\n').length);
    });
  }
});

describe('config good fixtures', () => {
  it('the Flocker-format and compose-style application files describe the same applications', () => {
    const flocker = parseApplicationConfig(
      readFileSync('fixtures/good/application.yml', 'utf8'),
      'application.yml',
    );
    const compose = parseApplicationConfig(readFileSync('fixtures/good/compose.yml', 'utf8'), 'compose.yml');
    expect(compose).to.deep.equal(flocker);
  });

  it('loads the good pair from disk', async () => {
    const d = await loadDesiredConfig('fixtures/good/deployment.yml', 'fixtures/good/application.yml');
    expect(Object.keys(d.applications).sort()).to.deep.equal(['postgres', 'web', 'worker']);
    expect(d.nodes).to.deep.equal({
      node1: ['web', 'worker'],
      '192.0.2.20': ['postgres'],
      spare: [],
      idle: [],
    });
  });
});
