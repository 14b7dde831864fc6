import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { parseWrittenBytes, writtenBytes } from '../../src/exec/proc-io.js';

describe('bytes a process wrote (/proc/PID/io)', () => {
  it('parses wchar; anything else is unknown', () => {
    expect(parseWrittenBytes('rchar: 83621\nwchar: 42159254\nsyscr: 9\n')).to.equal(42159254);
    expect(parseWrittenBytes('rchar: 1\n')).to.equal(undefined);
  });

  it('reads a live process; no pid or a gone one is unknown', () => {
    expect(writtenBytes(process.pid)).to.be.a('number');
    expect(writtenBytes(undefined)).to.equal(undefined);
    const gone = spawnSync('true').pid;
    expect(writtenBytes(gone)).to.equal(undefined);
  });
});
