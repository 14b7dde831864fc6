// The node agent runs on a node from a folder with no node_modules: everything it needs must be
// inside the one file. Its schema validators once were not (ajv's runtime helpers were required
// at run time, which failed there), so every node command compiled all schemas: about 1 s of CPU.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const AGENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../agent/flocker-agent.mjs');

describe('node agent bundle (dist/agent/flocker-agent.mjs)', function () {
  this.timeout(20_000);

  it('runs from a folder without node_modules with the generated validators, not compiled ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flocker-agent-'));
    try {
      const agent = path.join(dir, 'flocker-agent.mjs');
      copyFileSync(AGENT, agent);
      const run = (...args: string[]): string =>
        execFileSync(process.execPath, [agent, ...args], { cwd: dir, encoding: 'utf8' });
      expect(run('validators').trim()).to.equal('generated');
      expect(run('version')).to.match(/^\d+\.\d+\.\d+\S* [0-9a-f]{64}\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
