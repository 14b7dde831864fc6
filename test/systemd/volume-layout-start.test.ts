// A start on a dataset in the other layout (issue 13 item 2) is refused before anything of the
// unit is written or run: the layout script runs for real on a folder standing for the dataset.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, CommandRunner } from '../../src/exec/runner.js';
import { LocalRunner } from '../../src/exec/local-runner.js';
import { MemoryNodeFiles } from '../../src/exec/node-files.js';
import { SystemdApplicationUnits } from '../../src/systemd/application-units.js';
import { toApplication } from '../../src/model/canonical.js';
import { FlockerError } from '../../src/errors.js';

/** runs `sh` (the layout script) here; every other command is only recorded */
class ShOnly implements CommandRunner {
  readonly host = 'n1';
  readonly others: string[] = [];
  private readonly local = new LocalRunner();
  run(argv: readonly string[]): Promise<CommandResult> {
    if (argv[0] === 'sh') return this.local.run(argv);
    this.others.push(argv.join(' '));
    return Promise.resolve({ code: 1, stdout: '', stderr: 'not in this test' });
  }
}

describe('application units: the dataset layout is checked before a start', () => {
  it('several volumes on a dataset holding one volume of data: E_VOLUME_LAYOUT, nothing written or run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flocker-layout-'));
    try {
      writeFileSync(join(root, 'PG_VERSION'), '16');
      const runner = new ShOnly();
      const files = new MemoryNodeFiles();
      const app = toApplication('db', {
        image: 'busybox',
        volume: {
          mounts: [
            { name: 'data', mountpoint: '/var/lib/db' },
            { name: 'logs', mountpoint: '/var/log/db' },
          ],
        },
      });
      let err: unknown;
      try {
        await new SystemdApplicationUnits(runner, files).start(app, {
          linkEnvironment: {},
          volumePath: root,
        });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(FlockerError);
      expect((err as FlockerError).code).to.equal('E_VOLUME_LAYOUT');
      expect((err as FlockerError).message).to.match(
        /^n1: application db: its dataset holds the data of one volume/,
      );
      expect(runner.others).to.deep.equal([]);
      expect([...files.files.keys()]).to.deep.equal([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
