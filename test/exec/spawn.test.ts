import { expect } from 'chai';
import { localSpawner } from '../../src/exec/spawn.js';
import { pipeCommands } from '../../src/changestate/volume-transfer.js';

describe('localSpawner', function () {
  it('keeps stdout of a child that exits before anyone reads it', async function () {
    const p = localSpawner(['printf', 'hello']);
    p.stdin.end();
    expect((await p.exited).code).to.equal(0); // exited; nobody has listened yet
    const chunks: Buffer[] = [];
    for await (const c of p.stdout) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).to.equal('hello');
  });

  it('reports a missing command as exit 127 and collects stderr', async function () {
    expect((await localSpawner(['flocker-no-such-command']).exited).code).to.equal(127);
    const x = await localSpawner(['sh', '-c', 'echo oops >&2; exit 3']).exited;
    expect(x).to.deep.equal({ code: 3, stderr: 'oops\n' });
  });

  it('pipes one command into another and counts the bytes (benchmark baseline)', async function () {
    const r = await pipeCommands(['head', '-c', '100000', '/dev/zero'], ['wc', '-c']);
    expect(r.bytes).to.equal(100000);
    let err: unknown;
    try {
      await pipeCommands(['true'], ['sh', '-c', 'cat >/dev/null; echo bad >&2; exit 1'], { host: 'nX' });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/nX: command failed: sh -c .* \(exit 1\)\nbad/);
  });
});
