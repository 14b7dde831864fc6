// Several volumes per app, end to end on a real 2-node lab (issue 13 item 2): a compose service
// with two named volumes writes to both, moves to the other node with its one dataset, and
// reads both back there; going back to one volume is refused before anything changes.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { runChecked } from '../../src/exec/check.js';
import type { LabHandle } from '../helpers/lab.js';
import { labHandle, requireRootAndFuse, sharedLab } from '../helpers/lab.js';
import { cleanLab, ensureTestImages, runDeploy, scratchDir, writeFile } from '../helpers/deploy-cli.js';

const compose = (volumes: string[]): string => `services:
  store:
    image: flocker-e2e/sleep
    volumes:
${volumes.map((v) => `      - ${v}:/${v}`).join('\n')}
volumes:
${volumes.map((v) => `  ${v}:`).join('\n')}
`;
const placement = (node: 'n1' | 'n2') => `version: 1
nodes:
  n1: [${node === 'n1' ? 'store' : ''}]
  n2: [${node === 'n2' ? 'store' : ''}]
`;

describe('several volumes per app end to end (functional, lab)', function () {
  this.timeout(180_000);
  let lab: LabHandle;
  let dir: string;

  const sh = async (node: string, script: string): Promise<string> =>
    (await runChecked(lab.runner(node), ['sh', '-c', script])).stdout;
  async function deploy(node: 'n1' | 'n2', volumes: string[]) {
    return runDeploy([
      '--ssh-config',
      lab.sshConfigPath,
      writeFile(dir, 'deployment.yml', placement(node)),
      writeFile(dir, 'application.yml', compose(volumes)),
    ]);
  }
  const owns = async (node: string): Promise<boolean> =>
    (
      JSON.parse(await sh(node, 'flocker-reportstate')) as { owned_volumes: { name: string }[] }
    ).owned_volumes.some((v) => v.name === 'store');

  before(async function () {
    requireRootAndFuse(this);
    lab = process.env.FLOCKER_LAB ? labHandle(process.env.FLOCKER_LAB) : await sharedLab();
    for (const n of lab.nodes) await ensureTestImages(lab.runner(n.name));
    dir = scratchDir('e2e-volumes');
    await cleanLab(lab, dir);
  });

  after(async function () {
    if (!lab) return;
    await cleanLab(lab, dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes to both volumes on n1, moves to n2 with them, reads both back; one owner', async () => {
    const first = await deploy('n1', ['www', 'logs']);
    expect(first.code, first.stderr).to.equal(0);
    await sh(
      'n1',
      'docker exec flocker--store sh -c "echo page > /www/index.html && echo line > /logs/app.log && sync"',
    );
    // one dataset: the marker and one folder per volume at its root
    expect(await sh('n1', 'ls -A "$(zfs get -H -o value mountpoint flocker/volumes/store)"')).to.equal(
      '.flocker-volumes\nlogs\nwww\n',
    );
    const moved = await deploy('n2', ['www', 'logs']);
    expect(moved.code, moved.stderr).to.equal(0);
    expect(await sh('n2', 'docker exec flocker--store cat /www/index.html /logs/app.log')).to.equal(
      'page\nline\n',
    );
    expect([await owns('n1'), await owns('n2')]).to.deep.equal([false, true]);
  });

  it('one volume instead of two: refused (exit 2, E_VOLUME_LAYOUT) before anything changes', async () => {
    const started = await sh('n2', 'docker inspect -f {{.State.StartedAt}} flocker--store');
    const r = await deploy('n2', ['www']);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/E_VOLUME_LAYOUT|new application name/);
    expect(await sh('n2', 'docker inspect -f {{.State.StartedAt}} flocker--store')).to.equal(started);
  });
});
