import { FakeVolumeStore } from '../../src/zfs/fake-volume-store.js';
import type { VolumeStore } from '../../src/zfs/volume-store.js';
import { volumeStoreContract } from './volume-store.contract.js';

volumeStoreContract('FakeVolumeStore', async () => {
  const a = new FakeVolumeStore('a');
  const b = new FakeVolumeStore('b');
  const fake = (st: VolumeStore): FakeVolumeStore => st as FakeVolumeStore;
  return {
    a,
    b,
    write: async (st, name, text) => fake(st).write(name, text),
    read: async (st, name) => fake(st).read(name),
    cleanup: async () => undefined,
  };
});
