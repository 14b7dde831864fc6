// One behavioural contract for every RouteTable: FakeRouteTable in unit tests and
// IptablesRouteTable inside a lab node in route-table.functional.test.ts.
import { expect } from 'chai';
import type { RouteTable } from '../../src/routing/route-table.js';
import { rejects } from '../helpers/rejects.js';

export interface RoutesSubject {
  readonly table: RouteTable;
  /** two addresses usable as targets */
  readonly targets: readonly [string, string];
  /** make some other program listen on a TCP (or bind a UDP) port of the node (all addresses); resolves to its stop */
  listen(port: number, protocol?: 'udp'): Promise<() => Promise<void>>;
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

    it('a UDP route beside the TCP route of the same port: two routes (issue 13)', async function () {
      const [t1, t2] = s.targets;
      const tcp = { port: 19053, target_address: t1, target_port: 19053 };
      const udp = { port: 19053, target_address: t2, target_port: 19053, protocol: 'udp' as const };
      expect(await s.table.set([udp, tcp])).to.deep.equal({ added: [tcp, udp], removed: [] });
      expect(await s.table.list()).to.deep.equal([tcp, udp]);
      expect(await s.table.set([tcp])).to.deep.equal({ added: [], removed: [udp] });
      await rejects(s.table.set([udp, { ...udp }]), 'E_ROUTES');
      expect(await s.table.set([])).to.deep.equal({ added: [], removed: [tcp] });
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

    it('lists the UDP ports programs bind, as UDP (a TCP listener on the same port is another socket)', async function () {
      const port = 19556;
      const udp = async () =>
        (await s.table.listening()).filter((l) => l.port === port && l.protocol === 'udp');
      expect(await udp()).to.deep.equal([]);
      const stop = await s.listen(port, 'udp');
      try {
        const deadline = Date.now() + 5_000;
        while ((await udp()).length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const mine = await udp();
        expect(mine.length).to.be.greaterThan(0);
        for (const l of mine) expect(l.address).to.match(/^(0\.0\.0\.0|::|\*)$/);
        const tcp = (await s.table.listening()).filter((l) => l.port === port && l.protocol === undefined);
        expect(tcp).to.deep.equal([]);
      } finally {
        await stop();
      }
    });

    it('lists the TCP ports programs listen on, with their addresses', async function () {
      const port = 19555;
      const has = async (): Promise<boolean> => (await s.table.listening()).some((l) => l.port === port);
      expect(await has()).to.equal(false);
      const stop = await s.listen(port);
      try {
        const deadline = Date.now() + 5_000;
        while (!(await has()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const mine = (await s.table.listening()).filter((l) => l.port === port);
        expect(mine.length).to.be.greaterThan(0);
        for (const l of mine) expect(l.address).to.match(/^(0\.0\.0\.0|::|\*)$/);
        const all = await s.table.listening();
        expect(all.map((l) => l.port)).to.deep.equal([...all.map((l) => l.port)].sort((a, b) => a - b));
      } finally {
        await stop();
      }
      const deadline = Date.now() + 5_000;
      while ((await has()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await has()).to.equal(false);
    });
  });
}
