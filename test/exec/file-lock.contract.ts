// The FileLocks contract, run on the in-memory fake and on real flock(1) in a directory.
import { expect } from 'chai';
import type { FileLocks } from '../../src/exec/file-lock.js';

export function fileLocksContract(
  name: string,
  make: () => { locks: FileLocks; path: (n: string) => string },
): void {
  describe(`FileLocks contract: ${name}`, () => {
    it('an exclusive lock refuses a second holder until released', async () => {
      const { locks, path } = make();
      const a = await locks.acquire(path('x'), 'exclusive', 0);
      expect(a).to.not.equal(undefined);
      expect(await locks.acquire(path('x'), 'exclusive', 0)).to.equal(undefined);
      expect(await locks.acquire(path('x'), 'shared', 0)).to.equal(undefined);
      await a!.release();
      const b = await locks.acquire(path('x'), 'exclusive', 0);
      expect(b).to.not.equal(undefined);
      await b!.release();
    });

    it('shared holders coexist and keep an exclusive one out until the last is released', async () => {
      const { locks, path } = make();
      const s1 = await locks.acquire(path('w'), 'shared', 0);
      const s2 = await locks.acquire(path('w'), 'shared', 0);
      expect(s1 && s2).to.not.equal(undefined);
      expect(await locks.acquire(path('w'), 'exclusive', 0)).to.equal(undefined);
      await s1!.release();
      expect(await locks.acquire(path('w'), 'exclusive', 0)).to.equal(undefined);
      await s2!.release();
      const x = await locks.acquire(path('w'), 'exclusive', 0);
      expect(x).to.not.equal(undefined);
      await x!.release();
    });

    it('a waiting acquire gets the lock once the holder releases it', async () => {
      const { locks, path } = make();
      const a = await locks.acquire(path('q'), 'exclusive', 0);
      setTimeout(() => void a!.release(), 200);
      const t0 = Date.now();
      const b = await locks.acquire(path('q'), 'exclusive', 5);
      expect(b).to.not.equal(undefined);
      expect(Date.now() - t0).to.be.at.least(150);
      await b!.release();
    });

    it('different paths are independent', async () => {
      const { locks, path } = make();
      const a = await locks.acquire(path('p1'), 'exclusive', 0);
      const b = await locks.acquire(path('p2'), 'exclusive', 0);
      expect(a && b).to.not.equal(undefined);
      await a!.release();
      await b!.release();
    });
  });
}
