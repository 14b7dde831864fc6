// The VolumeStore contract against the real zfs CLI (zfs-fuse) inside a lab node, over ssh.
import { ZfsVolumeStore } from '../../src/zfs/zfs-volume-store.js';
import type { VolumeStore } from '../../src/zfs/volume-store.js';
import { runChecked } from '../../src/exec/check.js';
import { labForTests, type LabAccess } from './lab-access.js';
import { volumeStoreContract } from './volume-store.contract.js';

describe('ZfsVolumeStore (functional, lab node)', function () {
  this.timeout(120_000);
  let lab: LabAccess;
  before(async function () {
    lab = await labForTests(this);
  });

  const parents = ['flocker/ct-a', 'flocker/ct-b'];
  volumeStoreContract('ZfsVolumeStore on a lab node', async () => {
    const node = lab.nodes[0]?.name ?? 'n1';
    const runner = lab.runner(node);
    const destroyParents = async (): Promise<void> => {
      for (const p of parents) {
        // held snapshots cannot be destroyed: release ours first
        await runner.run([
          'sh',
          '-c',
          'for s in $(zfs list -H -o name -t snapshot -r "$1" 2>/dev/null); do zfs release flocker-base "$s" 2>/dev/null; done; true',
          'sh',
          p,
        ]);
        for (let i = 0; i < 25; i++) {
          const r = await runner.run(['zfs', 'destroy', '-r', p]);
          if (r.code === 0 || /does not exist/.test(r.stderr)) break;
          await new Promise((res) => setTimeout(res, 200));
        }
      }
    };
    await destroyParents();
    const mk = (parent: string): ZfsVolumeStore =>
      new ZfsVolumeStore(runner, { parent, spawner: lab.spawner(node) });
    const a = mk(parents[0] as string);
    const b = mk(parents[1] as string);
    const mountpoint = async (st: VolumeStore, name: string): Promise<string> => {
      const v = await st.get(name);
      if (!v) throw new Error(`no volume ${name}`);
      return v.mountpoint;
    };
    return {
      a,
      b,
      write: async (st, name, text) => {
        await runChecked(runner, ['sh', '-c', 'cat > "$1/data"', 'sh', await mountpoint(st, name)], {
          stdin: text,
        });
      },
      read: async (st, name) =>
        (await runChecked(runner, ['cat', `${await mountpoint(st, name)}/data`])).stdout,
      cleanup: destroyParents,
    };
  });
});
