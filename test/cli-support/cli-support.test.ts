import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  EXIT,
  interruptions,
  packageVersion,
  signalExitCode,
  versionLine,
  wantsHelp,
  wantsVersion,
} from '../../src/cli-support/index.js';

describe('cli support (shared by every bin)', () => {
  it("the version is package.json's", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(packageVersion()).to.equal(pkg.version);
    expect(versionLine('flocker-x')).to.equal(`flocker-x ${pkg.version}\n`);
  });

  it('--help / --version before a `--` only', () => {
    expect(wantsHelp(['-h'])).to.equal(true);
    expect(wantsHelp(['a', '--help'])).to.equal(true);
    expect(wantsHelp(['--', '--help'])).to.equal(false);
    expect(wantsVersion(['--version'])).to.equal(true);
    expect(wantsVersion(['-V'])).to.equal(true);
    expect(wantsVersion(['x'])).to.equal(false);
  });

  it('exit codes: 128 + the signal', () => {
    expect(signalExitCode('SIGINT')).to.equal(EXIT.SIGINT).and.to.equal(130);
    expect(signalExitCode('SIGTERM')).to.equal(EXIT.SIGTERM).and.to.equal(143);
  });

  it('the first signal resolves; a second one is hard; dispose removes the listeners', async () => {
    const proc = new EventEmitter();
    const hard: string[] = [];
    const s = interruptions(proc as never, (sig) => hard.push(sig));
    proc.emit('SIGTERM');
    expect(await s.first).to.equal('SIGTERM');
    proc.emit('SIGINT');
    expect(hard).to.deep.equal(['SIGINT']);
    s.dispose();
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).to.equal(0);
  });
});
