import { expect } from 'chai';
import { pipeCommands, rawPushArgv } from '../../bench/raw-push.js';
import { rejects } from '../helpers/rejects.js';

describe('bench raw push baseline', function () {
  it('pipes one command into another and counts the bytes', async function () {
    const r = await pipeCommands(['head', '-c', '100000', '/dev/zero'], ['wc', '-c']);
    expect(r.bytes).to.equal(100000);
    const err = await rejects(
      pipeCommands(['true'], ['sh', '-c', 'cat >/dev/null; echo bad >&2; exit 1'], { host: 'nX' }),
      'E_NODE_COMMAND',
    );
    expect(err).to.include({ code: 'E_NODE_COMMAND' });
    expect(err.message).to.match(/nX: command failed: sh -c .* \(exit 1\)\nbad/);
  });

  it('builds zfs send | ssh zfs recv argv with the push options, checking the target dataset', function () {
    const r = rawPushArgv(
      { address: '198.51.100.3', port: 22 },
      { parent: 'flocker/volumes', name: 'web', snap: 's2', from: 's1' },
      'flocker/benchraw',
    );
    expect(r.send[0]).to.equal('zfs');
    expect(r.send).to.include('flocker/volumes/web@s2');
    expect(r.ssh.at(-1)).to.equal('zfs recv -F flocker/benchraw');
    expect(r.ssh).to.include('StrictHostKeyChecking=yes');
    expect(() =>
      rawPushArgv({ address: '198.51.100.3', port: 22 }, { parent: 'p', name: 'w', snap: 's' }, 'x;id'),
    ).to.throw(/invalid dataset/);
  });
});
