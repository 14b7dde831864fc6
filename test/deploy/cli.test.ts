// flocker-deploy's command line: exit codes, and bad input refused before any node is contacted.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { main } from '../../src/deploy/cli.js';
import type { CliIO } from '../../src/deploy/cli.js';

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    interactive: false,
    now: () => new Date(0),
  };
}

describe('flocker-deploy command line', () => {
  it('--help documents every option and the exit codes (exit 0)', async () => {
    const t = io();
    expect(await main(['--help'], t)).to.equal(0);
    const help = t.out.join('');
    for (const o of [
      '--dry-run',
      '--json',
      '--ssh-config',
      '--identity',
      '--known-hosts',
      '--connect-timeout',
      '--concurrency',
    ]) {
      expect(help).to.include(o);
    }
    expect(help).to.match(/Exit codes:\n\s+0 .*\n\s+1 .*\n[\s\S]*\n\s+2 /);
  });

  it('usage errors exit 2', async () => {
    expect(await main([], io())).to.equal(2);
    expect(await main(['--connect-timeout', 'soon', 'a.yml', 'b.yml'], io())).to.equal(2);
  });

  it('bad input: every problem with file:line:col, exit 2, and no node contacted', async () => {
    // the deployment names node1, which does not resolve here: contacting it would be exit 1
    const dir = 'fixtures/bad/app-name-invalid';
    for (const json of [false, true]) {
      const t = io();
      const code = await main(
        [...(json ? ['--json'] : []), `${dir}/deployment.yml`, `${dir}/application.yml`],
        t,
      );
      expect(code).to.equal(2);
      expect(t.err.join('')).to.equal(
        `flocker-deploy: error: ${readFileSync(`${dir}/expected.txt`, 'utf8').trimEnd()}\n`,
      );
      if (json)
        expect(JSON.parse(t.out.join(''))).to.include({ type: 'error', code: 'E_INPUT', exit_code: 2 });
    }
  });

  it('a file that cannot be read is bad input too (exit 2)', async () => {
    const t = io();
    expect(await main(['fixtures/none/deployment.yml', 'fixtures/good/application.yml'], t)).to.equal(2);
    expect(t.err.join('')).to.match(/fixtures\/none\/deployment.yml:1:1: .*cannot read/);
  });
});
