// The guard of cluster-only ports (networks, issue 13 item 4): rules, parse back, diff, file.
import { expect } from 'chai';
import { guardRules, installedGuard, parseIptablesSave, planRoutes } from '../../src/routing/iptables.js';
import { FakeRouteTable, renderRoutesFile } from '../../src/routing/route-table.js';
import { parseRoutesDocument } from '../../src/validation/routes-file.js';

const guard = { ports: [61712], sources: ['198.51.100.2', '198.51.100.3'] };

/** iptables-save text holding `rules` (table, chain, spec) as iptables would print them */
function saved(rules: readonly { table: string; chain: string; spec: readonly string[] }[]): string {
  const out: string[] = [];
  for (const t of ['mangle', 'nat', 'filter']) {
    out.push(`*${t}`, ':PREROUTING ACCEPT [0:0]');
    if (t === 'mangle') out.push(':FLOCKER-GUARD - [0:0]', ':FLOCKER-CLUSTER - [0:0]');
    for (const r of rules.filter((x) => x.table === t))
      out.push(`-A ${r.chain} ${r.spec.map((w) => (w.includes(' ') ? `"${w}"` : w)).join(' ')}`);
    out.push('COMMIT');
  }
  return out.join('\n');
}

describe('routing guard of cluster-only ports', () => {
  it('renders a jump, one rule per port (new connections to a local address) and the source checks', () => {
    const rules = guardRules(guard).map((r) => `${r.table} ${r.chain} ${r.spec.join(' ')}`);
    expect(rules).to.deep.equal([
      'mangle PREROUTING -m comment --comment flocker:jump -j FLOCKER-GUARD',
      'mangle FLOCKER-GUARD -p tcp -m tcp --dport 61712 -m addrtype --dst-type LOCAL -m conntrack --ctstate NEW -m comment --comment flocker:guard:61712 -j FLOCKER-CLUSTER',
      'mangle FLOCKER-CLUSTER -s 198.51.100.2/32 -m comment --comment flocker:cluster:198.51.100.2 -j RETURN',
      'mangle FLOCKER-CLUSTER -s 198.51.100.3/32 -m comment --comment flocker:cluster:198.51.100.3 -j RETURN',
      'mangle FLOCKER-CLUSTER -i docker0 -m comment --comment flocker:cluster:local -j RETURN',
      'mangle FLOCKER-CLUSTER -m comment --comment flocker:cluster:drop -j DROP',
    ]);
    expect(guardRules(undefined)).to.deep.equal([]);
    expect(guardRules({ ports: [], sources: ['198.51.100.2'] })).to.deep.equal([]);
  });

  it('from nothing: creates the mangle chains, inserts the RETURNs first and appends the DROP', () => {
    const plan = planRoutes(parseIptablesSave(''), [], guard);
    const cmds = plan.commands.map((c) => c.join(' '));
    expect(cmds.slice(0, 2)).to.deep.equal(['-t mangle -N FLOCKER-GUARD', '-t mangle -N FLOCKER-CLUSTER']);
    expect(
      cmds.filter((c) => c.includes('RETURN')).every((c) => c.includes('-I FLOCKER-CLUSTER 1')),
    ).to.equal(true);
    expect(cmds.find((c) => c.endsWith('-j DROP'))).to.match(/^-t mangle -A FLOCKER-CLUSTER /);
    // no guard: no mangle chain is created
    expect(planRoutes(parseIptablesSave(''), []).commands.some((c) => c.includes('mangle'))).to.equal(false);
  });

  it('reads the installed guard back from its tags; a second plan changes nothing', () => {
    const text = saved(guardRules(guard));
    expect(installedGuard(parseIptablesSave(text))).to.deep.equal(guard);
    const again = planRoutes(parseIptablesSave(text), [], guard);
    expect(again.commands.filter((c) => c.includes('mangle'))).to.deep.equal([]);
  });

  it('a port or source dropped is deleted alone; no guard deletes every guard rule and the jump', () => {
    const text = saved(guardRules({ ports: [61712, 61800], sources: ['198.51.100.2', '198.51.100.9'] }));
    const cmds = planRoutes(parseIptablesSave(text), [], guard).commands.map((c) => c.join(' '));
    expect(cmds.filter((c) => c.includes(' -D '))).to.deep.equal([
      '-t mangle -D FLOCKER-GUARD -p tcp -m tcp --dport 61800 -m addrtype --dst-type LOCAL -m conntrack --ctstate NEW -m comment --comment flocker:guard:61800 -j FLOCKER-CLUSTER',
      '-t mangle -D FLOCKER-CLUSTER -s 198.51.100.9/32 -m comment --comment flocker:cluster:198.51.100.9 -j RETURN',
    ]);
    expect(cmds.filter((c) => !c.includes(' -D '))).to.deep.equal([
      '-t nat -N FLOCKER-PREROUTING',
      '-t nat -N FLOCKER-OUTPUT',
      '-t nat -N FLOCKER-POSTROUTING',
      '-t filter -N FLOCKER-FORWARD',
      '-t mangle -I FLOCKER-CLUSTER 1 -s 198.51.100.3/32 -m comment --comment flocker:cluster:198.51.100.3 -j RETURN',
      ...[
        ['nat', 'PREROUTING', 'FLOCKER-PREROUTING'],
        ['nat', 'OUTPUT', 'FLOCKER-OUTPUT'],
        ['nat', 'POSTROUTING', 'FLOCKER-POSTROUTING'],
        ['filter', 'FORWARD', 'FLOCKER-FORWARD'],
      ].map(([t, c, j]) => `-t ${t} -I ${c} 1 -m comment --comment flocker:jump -j ${j}`),
    ]);
    const none = planRoutes(parseIptablesSave(text), []).commands.filter((c) => c.includes('mangle'));
    expect(none).to.have.length(7);
    expect(none.every((c) => c.includes('-D'))).to.equal(true);
  });

  it('never touches a mangle rule that is not ours', () => {
    const text = saved([
      {
        table: 'mangle',
        chain: 'PREROUTING',
        spec: ['-m', 'comment', '--comment', 'flocker:guard:1', '-j', 'MARK'],
      },
      { table: 'mangle', chain: 'PREROUTING', spec: ['-j', 'MARK', '--set-mark', '1'] },
    ]);
    const cmds = planRoutes(parseIptablesSave(text), []).commands;
    expect(cmds.some((c) => c.includes('-D'))).to.equal(false);
    expect(installedGuard(parseIptablesSave(text))).to.equal(undefined);
  });

  it('the routes file keeps the guard (boot restore puts it back); none without ports', () => {
    const text = renderRoutesFile([{ port: 8080, target_address: '198.51.100.3', target_port: 8080 }], guard);
    expect(parseRoutesDocument(text, 'routes.json').guard).to.deep.equal(guard);
    expect(renderRoutesFile([], { ports: [], sources: [] })).to.not.contain('guard');
    expect(() =>
      parseRoutesDocument(
        '{"format":"flocker-routes/1","routes":[],"guard":{"ports":[0],"sources":[]}}',
        'r',
      ),
    ).to.throw(/damaged routes file/);
  });

  it('the fake table keeps the guard as set, sorted', async () => {
    const t = new FakeRouteTable();
    await t.set([], { ports: [61800, 61712], sources: ['198.51.100.3', '198.51.100.2'] });
    expect(await t.guard()).to.deep.equal({
      ports: [61712, 61800],
      sources: ['198.51.100.2', '198.51.100.3'],
    });
    await t.set([]);
    expect(await t.guard()).to.equal(undefined);
  });
});
