import { expect } from 'chai';
import { linkNatRules, planLinkNat } from '../../src/routing/link-nat.js';
import { applyLinkNat } from '../../src/systemd/link-nat-apply.js';
import { linkEnvironment } from '../../src/plan/links.js';
import { renderSpec, parseSpec } from '../../src/systemd/unit.js';
import { toApplication } from '../../src/model/canonical.js';
import { MemoryNodeFiles } from '../../src/exec/node-files.js';
import type { CommandResult, CommandRunner } from '../../src/exec/runner.js';
import { FlockerError } from '../../src/errors.js';

const client = toApplication('client', {
  image: 'busybox',
  links: [
    { alias: 'web', local_port: 80, remote_port: 8080 },
    { alias: 'db', local_port: 3306, remote_port: 13306 },
  ],
});
const specText = renderSpec(client, linkEnvironment(client, '10.0.0.1'));
const spec = parseSpec(specText, 'client.json');

const rule = (n: number, local: number, remote: number): string =>
  `-d 198.18.0.${n}/32 -p tcp -m tcp --dport ${local} -m comment --comment flocker -j DNAT --to-destination 10.0.0.1:${remote}`;

describe('links by name: NAT rules', function () {
  it('one DNAT per link from its virtual address + local port to what its variables say', function () {
    expect(linkNatRules(spec).map((r) => r.join(' '))).to.deep.equal([
      rule(1, 3306, 13306),
      rule(2, 80, 8080),
    ]);
  });

  it('a link without recorded variables is a damaged spec (E_SPEC), naming the file', function () {
    const bad = { ...spec, link_environment: {} };
    expect(() => linkNatRules(bad, 'n1:/x/client.json'))
      .to.throw(FlockerError, 'n1:/x/client.json: link db (local port 3306) has no DB_PORT_3306_TCP_ADDR')
      .with.property('code', 'E_SPEC');
  });

  it('plans a diff against iptables -S: nothing when in place, stale and duplicate ones deleted', function () {
    const wanted = linkNatRules(spec);
    const listing = (...rules: string[]): string =>
      [
        '-P OUTPUT ACCEPT',
        '-A OUTPUT -d 10.9.9.9/32 -j DOCKER',
        ...rules.map((r) => `-A OUTPUT ${r}`),
        '',
      ].join('\n');
    expect(planLinkNat(listing(rule(1, 3306, 13306), rule(2, 80, 8080)), wanted)).to.deep.equal([]);
    expect(planLinkNat(listing(), wanted).map((c) => c.join(' '))).to.deep.equal([
      `-A OUTPUT ${rule(1, 3306, 13306)}`,
      `-A OUTPUT ${rule(2, 80, 8080)}`,
    ]);
    const foreign = '-d 198.18.0.9/32 -p tcp -m comment --comment "flocker x" -j ACCEPT';
    expect(
      planLinkNat(listing(rule(1, 3306, 9), rule(2, 80, 8080), rule(2, 80, 8080), foreign), wanted).map((c) =>
        c.join(' '),
      ),
    ).to.deep.equal([
      `-D OUTPUT ${rule(1, 3306, 9)}`,
      `-D OUTPUT ${rule(2, 80, 8080)}`,
      `-A OUTPUT ${rule(1, 3306, 13306)}`,
    ]);
  });
});

/** A node answering docker inspect (after `notYet` tries) and iptables in the container's netns. */
class ScriptedNode implements CommandRunner {
  readonly host = 'n1';
  readonly calls: string[] = [];
  listing = '-P OUTPUT ACCEPT\n';
  constructor(private notYet = 0) {}
  run(argv: readonly string[]): Promise<CommandResult> {
    this.calls.push(argv.join(' '));
    const ok = (stdout = ''): Promise<CommandResult> => Promise.resolve({ code: 0, stdout, stderr: '' });
    if (argv[0] === 'docker') return ok(this.notYet-- > 0 ? '0\n' : '4242\n');
    if (argv.slice(0, 9).join(' ') === 'nsenter -t 4242 -n iptables -w -t nat -S') return ok(this.listing);
    if (argv[8] === '-A') this.listing += `${argv.slice(8).join(' ')}\n`;
    return ok();
  }
}

describe('flocker-changestate link-nat NAME', function () {
  it('waits for the container, then adds the missing rules in its netns; again: nothing', async function () {
    const files = new MemoryNodeFiles();
    await files.write('/var/lib/flocker/apps/client.json', specText, 0o600);
    const node = new ScriptedNode(2);
    const r = await applyLinkNat(node, files, 'client', { pollMs: 1 });
    expect(r.pid).to.equal(4242);
    expect(node.calls).to.deep.equal([
      'docker inspect -f {{.State.Pid}} flocker--client',
      'docker inspect -f {{.State.Pid}} flocker--client',
      'docker inspect -f {{.State.Pid}} flocker--client',
      'nsenter -t 4242 -n iptables -w -t nat -S OUTPUT',
      `nsenter -t 4242 -n iptables -w -t nat -A OUTPUT ${rule(1, 3306, 13306)}`,
      `nsenter -t 4242 -n iptables -w -t nat -A OUTPUT ${rule(2, 80, 8080)}`,
    ]);
    expect((await applyLinkNat(node, files, 'client')).commands).to.deep.equal([]);
  });

  it('a container that never runs fails the start within the bound (E_LINK_NAT)', async function () {
    const files = new MemoryNodeFiles();
    await files.write('/var/lib/flocker/apps/client.json', specText, 0o600);
    const err = await applyLinkNat(new ScriptedNode(1e9), files, 'client', { timeoutMs: 20, pollMs: 5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FlockerError).with.property('code', 'E_LINK_NAT');
    expect((err as Error).message).to.equal(
      'n1: links of application client: container flocker--client did not run within 0 s (not running); its link names cannot be set up',
    );
  });

  it('no recorded spec: E_LINK_NAT naming the file, nothing run', async function () {
    const node = new ScriptedNode();
    const err = await applyLinkNat(node, new MemoryNodeFiles(), 'client').catch((e: unknown) => e);
    expect(err).to.have.property('code', 'E_LINK_NAT');
    expect((err as Error).message).to.equal(
      'n1: links of application client: no recorded spec /var/lib/flocker/apps/client.json',
    );
    expect(node.calls).to.deep.equal([]);
  });
});
