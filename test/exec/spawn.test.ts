import { expect } from 'chai';
import { localSpawner } from '../../src/exec/spawn.js';

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
});
