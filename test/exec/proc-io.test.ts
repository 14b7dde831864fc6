import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { parseReadBytes, readBytes } from '../../src/exec/proc-io.js';

describe('bytes a process read (/proc/PID/io)', () => {
  it('parses rchar; anything else is unknown', () => {
    expect(parseReadBytes('rchar: 42159254\nwchar: 83621\nsyscr: 9\n')).to.equal(42159254);
    expect(parseReadBytes('wchar: 1\n')).to.equal(undefined);
  });

  it('reads a live process; no pid or a gone one is unknown', () => {
    expect(readBytes(process.pid)).to.be.a('number');
    expect(readBytes(undefined)).to.equal(undefined);
    const gone = spawnSync('true').pid;
    expect(readBytes(gone)).to.equal(undefined);
  });
});
