import { expect } from 'chai';
import { startWaves } from '../../src/plan/start-waves.js';
import { toApplication } from '../../src/model/canonical.js';
import type { Change } from '../../src/model/changes.js';

const start = (name: string, depends_on?: string[]): Change => ({
  kind: 'start-application',
  application: toApplication(name, { image: 'busybox', ...(depends_on ? { depends_on } : {}) }),
  link_environment: {},
});
const seq = (...changes: Change[]): Change => ({ kind: 'sequentially', changes });

describe('start phase waves (depends_on across nodes)', function () {
  it('one wave when no app depends on an app another node starts', function () {
    expect(startWaves({ n2: start('b', ['a']), n1: seq(start('a'), start('x', ['a'])) })).to.deep.equal([
      ['n1'],
      ['n2'],
    ]);
    expect(startWaves({ n1: start('a'), n2: start('b', ['elsewhere']) })).to.deep.equal([['n1', 'n2']]);
  });
  it('chains across three nodes, independent nodes in the first wave', function () {
    expect(
      startWaves({
        n1: start('web', ['api']),
        n2: start('api', ['db']),
        n3: start('db'),
        n4: start('other'),
      }),
    ).to.deep.equal([['n3', 'n4'], ['n2'], ['n1']]);
  });
  it('nodes needing each other: never hangs, the closing edge is ignored (name order)', function () {
    expect(
      startWaves({ n1: seq(start('a', ['b']), start('d')), n2: seq(start('b'), start('c', ['d'])) }),
    ).to.deep.equal([['n2'], ['n1']]);
  });
});
