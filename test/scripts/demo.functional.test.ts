// The README's first command runs scripts/demo; nothing else in the suite would notice when it
// breaks (it once did: a lab deployment asked for docker on the deploying machine). Run it as a
// newcomer would, on its own lab and a free block of the lab network, and check what it shows.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTestSubnet, requireRootAndFuse } from '../helpers/lab.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LAB = 'dtest';

describe('scripts/demo (functional, its own lab)', function () {
  this.timeout(600_000);

  it('moves the app with its data, every node answers, a second deploy changes nothing; the lab is gone after', async function () {
    requireRootAndFuse(this);
    const env = {
      ...process.env,
      CI: 'true',
      DEMO_SKIP_INSTALL: '1', // the suite's build is the one under test: never rebuilt midway
      DEMO_LAB: LAB,
      DEMO_SUBNET: freeTestSubnet(LAB, '198.51.100.0/26'),
    };
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const p = spawn('scripts/demo', [], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, out }));
    });
    expect(r.code, r.out).to.equal(0);
    const sums = [...r.out.matchAll(/blob sha256 on n\d (?:before|now): +([0-9a-f]{64})/g)].map((m) => m[1]);
    expect(sums, r.out).to.have.length(2);
    expect(sums[0], r.out).to.equal(sums[1]);
    expect(r.out).to.include('n1 keeps a read-only copy');
    expect(r.out.match(/:8080 -> written on n1 at/g)?.length, r.out).to.be.at.least(4);
    expect(r.out).to.include('demo done');
    expect(r.out).to.not.match(/FAILED|Error:|at .*\.js:\d+/);
    const status = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, ['dist/bin/flocker-lab.js', 'status', '--name', LAB], { cwd: ROOT });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.on('close', () => resolve(out));
    });
    expect(status).to.include(`lab "${LAB}": not up`);
  });
});
