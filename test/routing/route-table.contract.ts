// One behavioural contract for every RouteTable: FakeRouteTable in unit tests and
// IptablesRouteTable inside a lab node in route-table.functional.test.ts.
import { expect } from 'chai';
import type { RouteTable } from '../../src/routing/route-table.js';
import { rejects } from '../helpers/rejects.js';

export interface RoutesSubject {
  readonly table: RouteTable;
  /** two addresses usable as targets */
  readonly targets: readonly [string, string];
  cleanup(): Promise<void>;
}

export function routeTableContract(label: string, factory: () => Promise<RoutesSubject>): void {
  describe(`RouteTable contract: ${label}`, function () {
    let s: RoutesSubject;
    beforeEach(async function () {
      s = await factory();
    });
    afterEach(async function () {
      await s?.cleanup();
    });

    it('sets, lists sorted, and applies only differences', async function () {
      const [t1, t2] = s.targets;
      const a = { port: 19001, target_address: t1, target_port: 19001 };
      const b = { port: 19000, target_address: t1, target_port: 18000 };
      const c = { port: 19002, target_address: t2, target_port: 19002 };
      expect(await s.table.set([])).to.deep.equal({ added: [], removed: [] });
      expect(await s.table.list()).to.deep.equal([]);
      expect(await s.table.set([a, b])).to.deep.equal({ added: [b, a], removed: [] });
      expect(await s.table.list()).to.deep.equal([b, a]);
      expect(await s.table.set([a, b])).to.deep.equal({ added: [], removed: [] });
      const a2 = { ...a, target_address: t2 };
      expect(await s.table.set([a2, c])).to.deep.equal({ added: [a2, c], removed: [b, a] });
      expect(await s.table.list()).to.deep.equal([a2, c]);
      expect(await s.table.set([])).to.deep.equal({ added: [], removed: [a2, c] });
      expect(await s.table.list()).to.deep.equal([]);
    });

    it('refuses bad routes without changing anything', async function () {
      const [t1] = s.targets;
      await s.table.set([{ port: 19000, target_address: t1, target_port: 19000 }]);
      const err = await rejects(
        s.table.set([{ port: 70000, target_address: 'nowhere', target_port: 1 }]),
        'E_ROUTES',
      );
      expect(err.message).to.match(/not a port[\s\S]*not an IPv4 address/);
      expect(await s.table.list()).to.deep.equal([{ port: 19000, target_address: t1, target_port: 19000 }]);
    });
  });
}
