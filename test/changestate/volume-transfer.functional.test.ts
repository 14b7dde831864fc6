// Volume pushes between two real lab nodes, with the trust flocker sets up itself. The transfer
// code runs ON the nodes (volume-transfer-node.js from the project bind-mounted at /opt/flocker);
// the receiving side is the real `flocker-changestate peer`. Two parts, each setting up its trust:
// - the volume-transfer contract (the same suite the fake transport passes in unit tests);
// - the production path around it: trust files, pushes piped zfs send -> ssh without passing
//   through node, handoff, push back, pruning, the peer endpoint's refusals, strict host keys.
import { expect } from 'chai';
import { runChecked } from '../../src/exec/check.js';
import type { CommandRunner } from '../../src/exec/runner.js';
import type { PeerInfo } from '../../src/model/changestate-input.js';
import { PROTOCOL_VERSION } from '../../src/model/state.js';
import { ZfsVolumeStore } from '../../src/zfs/zfs-volume-store.js';
import { labForTests, type LabAccess, type LabNodeAccess } from '../zfs/lab-access.js';
import type { Side, TransferOutcome } from './volume-transfer.contract.js';
import { volumeTransferContract } from './volume-transfer.contract.js';

const DRIVER = '/opt/flocker/dist/test/changestate/volume-transfer-node.js';
const VOL = 'xfer-test';
const MOUNT = `/flocker/volumes/${VOL}`;

interface DriverReply<T> {
  ok: boolean;
  result: T;
  error?: string;
  host?: string;
}
interface Push {
  incremental: boolean;
  /** absent: the stream went zfs send -> ssh -> zfs recv without passing through node */
  bytes?: number;
  seconds: number;
  snapshot: string;
}

/** push keys on both nodes, each trusting the other (what flocker-deploy sets up) */
async function trustEachOther(
  nodes: readonly [LabNodeAccess, LabNodeAccess],
  runner: (n: LabNodeAccess) => CommandRunner,
): Promise<void> {
  const peers: Record<string, PeerInfo> = {};
  for (const n of nodes) {
    const key = (await runChecked(runner(n), ['flocker-changestate', 'peer-key'])).stdout.trim();
    peers[n.name] = { address: n.address, port: 22, host_key: n.hostKey, peer_public_key: key };
  }
  for (const n of nodes)
    await runChecked(runner(n), ['flocker-changestate', 'trust', '--self', n.name], {
      stdin: JSON.stringify({ protocol: PROTOCOL_VERSION, peers }),
    });
}

async function untrust(nodes: readonly LabNodeAccess[], runner: (n: LabNodeAccess) => CommandRunner) {
  for (const n of nodes)
    await runChecked(runner(n), ['flocker-changestate', 'trust', '--self', n.name], {
      stdin: JSON.stringify({ protocol: PROTOCOL_VERSION, peers: {} }),
    });
}

describe('volume transfer contract on lab nodes (functional)', function () {
  this.timeout(180_000);
  const VOLUME = 'xfer-contract';
  let lab: LabAccess | undefined;
  let nodes: readonly [LabNodeAccess, LabNodeAccess];
  const runner = (n: LabNodeAccess): CommandRunner => lab!.runner(n.name);
  before(async function () {
    this.timeout(16 * 60_000); // the shared lab may be another run's for up to 15 minutes
    lab = await labForTests(this);
    nodes = lab.nodes as [LabNodeAccess, LabNodeAccess];
    await trustEachOther(nodes, runner);
  });
  after(async function () {
    if (lab) await untrust(nodes, runner);
  });

  volumeTransferContract('ZfsVolumeStore + SshPeerTransport, run on the sending lab node', async () => {
    const node = (side: Side): LabNodeAccess => nodes[side === 'a' ? 0 : 1];
    const stores = {
      a: new ZfsVolumeStore(runner(node('a'))),
      b: new ZfsVolumeStore(runner(node('b'))),
    };
    const mount = `/flocker/volumes/${VOLUME}`;
    const cleanup = async (): Promise<void> => {
      for (const st of Object.values(stores)) await st.destroy(VOLUME);
    };
    await cleanup();
    return {
      volume: VOLUME,
      stores,
      write: async (side, name, text) => {
        if (name !== VOLUME) throw new Error(`unexpected volume ${name}`);
        await runChecked(runner(node(side)), ['sh', '-c', 'cat > "$1/data"', 'sh', mount], { stdin: text });
      },
      read: async (side, name) => {
        if (name !== VOLUME) throw new Error(`unexpected volume ${name}`);
        return (await runChecked(runner(node(side)), ['cat', `${mount}/data`])).stdout;
      },
      run: async (from, op, name, opts = {}): Promise<TransferOutcome> => {
        const to = node(from === 'a' ? 'b' : 'a');
        const args = {
          op,
          name,
          peer: { node: to.name, address: to.address, port: 22 },
          ...(opts.failOn ? { failOn: opts.failOn } : {}),
          ...(opts.failAfter ? { failAfter: opts.failAfter } : {}),
          ...(opts.retain ? { retain: opts.retain } : {}),
        };
        const out = await runChecked(runner(node(from)), ['node', DRIVER, 'observed', JSON.stringify(args)]);
        const rep = JSON.parse(out.stdout) as { ok: boolean; result: TransferOutcome; error?: string };
        if (!rep.ok) throw new Error(`driver failed: ${rep.error}`);
        return rep.result;
      },
      cleanup,
    };
  });
});

describe('volume transfer between lab nodes (functional)', function () {
  this.timeout(180_000);
  let lab: LabAccess;
  let n1: LabNodeAccess;
  let n2: LabNodeAccess;
  let r1: CommandRunner;
  let r2: CommandRunner;
  let akBefore: string;
  const keys: Record<string, string> = {};
  const figures: string[] = [];

  const target = (n: LabNodeAccess): { node: string; address: string; port: number } => ({
    node: n.name,
    address: n.address,
    port: 22,
  });
  const driver = async <T>(r: CommandRunner, op: string, args: object): Promise<DriverReply<T>> => {
    const out = await runChecked(r, ['node', DRIVER, op, JSON.stringify(args)]);
    return JSON.parse(out.stdout) as DriverReply<T>;
  };
  const push = async (from: CommandRunner, to: LabNodeAccess, op = 'push'): Promise<Push> => {
    const rep = await driver<Push>(from, op, { name: VOL, peer: target(to) });
    if (!rep.ok) throw new Error(`${op} failed: ${rep.error}`);
    figures.push(
      `${op} ${from.host}->${to.name}: ${rep.result.incremental ? 'incremental' : 'full'} in ${rep.result.seconds.toFixed(3)} s`,
    );
    return rep.result;
  };
  const sum = async (r: CommandRunner): Promise<string> =>
    (await runChecked(r, ['sh', '-c', 'cd "$1" && sha256sum big small | sha256sum', 'sh', MOUNT])).stdout;
  const peersMap = (hostKeyOverride?: Record<string, string>): Record<string, PeerInfo> =>
    Object.fromEntries(
      [n1, n2].map((n) => [
        n.name,
        {
          address: n.address,
          port: 22,
          host_key: hostKeyOverride?.[n.name] ?? n.hostKey,
          peer_public_key: keys[n.name],
        },
      ]),
    );
  const trust = async (r: CommandRunner, self: string, peers: Record<string, PeerInfo>): Promise<void> => {
    await runChecked(r, ['flocker-changestate', 'trust', '--self', self], {
      stdin: JSON.stringify({ protocol: PROTOCOL_VERSION, peers }),
    });
  };
  const cleanup = async (): Promise<void> => {
    for (const r of [r1, r2]) await new ZfsVolumeStore(r).destroy(VOL);
  };

  before(async function () {
    lab = await labForTests(this);
    [n1, n2] = lab.nodes as [LabNodeAccess, LabNodeAccess];
    r1 = lab.runner(n1.name);
    r2 = lab.runner(n2.name);
    akBefore = (await runChecked(r2, ['cat', '/root/.ssh/authorized_keys'])).stdout;
    await cleanup();
  });
  after(async function () {
    if (!r1) return;
    await cleanup();
    // drop our trust again: only tagged lines go
    for (const [r, n] of [
      [r1, n1],
      [r2, n2],
    ] as const)
      await trust(r, n.name, {});
    expect((await runChecked(r2, ['cat', '/root/.ssh/authorized_keys'])).stdout).to.equal(akBefore);
    console.log(`      figures:\n        ${figures.join('\n        ')}`);
  });

  it('sets up trust: own push keys (0600 in a 0700 dir), exact known_hosts, tagged authorized_keys only', async function () {
    for (const [r, n] of [
      [r1, n1],
      [r2, n2],
    ] as const) {
      keys[n.name] = (await runChecked(r, ['flocker-changestate', 'peer-key'])).stdout.trim();
      expect(keys[n.name]).to.match(/^ssh-ed25519 /);
    }
    for (const [r, n] of [
      [r1, n1],
      [r2, n2],
    ] as const)
      await trust(r, n.name, peersMap());
    const modes = (
      await runChecked(r2, [
        'stat',
        '-c',
        '%a %n',
        '/var/lib/flocker/peer',
        '/var/lib/flocker/peer/id_ed25519',
        '/var/lib/flocker/peer/known_hosts',
        '/root/.ssh/authorized_keys',
      ])
    ).stdout;
    expect(modes.trim().split('\n')).to.deep.equal([
      '700 /var/lib/flocker/peer',
      '600 /var/lib/flocker/peer/id_ed25519',
      '600 /var/lib/flocker/peer/known_hosts',
      '600 /root/.ssh/authorized_keys',
    ]);
    const ak = (await runChecked(r2, ['cat', '/root/.ssh/authorized_keys'])).stdout;
    expect(ak.startsWith(akBefore)).to.equal(true); // the lab's own line untouched
    expect(ak.slice(akBefore.length)).to.equal(
      `restrict,command="flocker-changestate peer" ${keys[n1.name]} flocker-peer:${n1.name}\n`,
    );
    expect((await runChecked(r1, ['cat', '/var/lib/flocker/peer/known_hosts'])).stdout).to.equal(
      `${n2.address} ${n2.hostKey}\n`,
    );
  });

  it('creates and writes on n1, pushes in full to n2: same checksums, n2 read-only', async function () {
    await new ZfsVolumeStore(r1).create(VOL);
    await runChecked(r1, [
      'sh',
      '-c',
      'head -c 4194304 /dev/urandom > "$1/big" && echo one > "$1/small"',
      'sh',
      MOUNT,
    ]);
    const p = await push(r1, n2);
    expect(p.incremental).to.equal(false);
    expect(p.bytes).to.equal(undefined); // piped process to process, not through node
    expect(await sum(r2)).to.equal(await sum(r1));
    const copy = await new ZfsVolumeStore(r2).get(VOL);
    expect(copy?.owned).to.equal(false);
    const w = await r2.run(['sh', '-c', 'echo x > "$1/small"', 'sh', MOUNT]);
    expect(w.code).to.not.equal(0);
    expect(w.stderr).to.match(/read-only/i);
  });

  it('pushes incrementally after more writes', async function () {
    await runChecked(r1, ['sh', '-c', 'echo two > "$1/small"', 'sh', MOUNT]);
    const p = await push(r1, n2);
    expect(p.incremental).to.equal(true);
    expect(p.bytes).to.equal(undefined);
    expect(await sum(r2)).to.equal(await sum(r1));
    expect((await runChecked(r2, ['cat', `${MOUNT}/small`])).stdout).to.equal('two\n');
  });

  it('hands off: n1 read-only, n2 writable owner', async function () {
    await runChecked(r1, ['sh', '-c', 'echo three > "$1/small"', 'sh', MOUNT]);
    const p = await push(r1, n2, 'handoff');
    expect(p.incremental).to.equal(true);
    expect((await new ZfsVolumeStore(r1).get(VOL))?.owned).to.equal(false);
    expect((await new ZfsVolumeStore(r2).get(VOL))?.owned).to.equal(true);
    expect((await runChecked(r2, ['cat', `${MOUNT}/small`])).stdout).to.equal('three\n');
    await runChecked(r2, ['sh', '-c', 'echo four > "$1/small"', 'sh', MOUNT]);
    expect((await r1.run(['sh', '-c', 'echo x > "$1/small"', 'sh', MOUNT])).code).to.not.equal(0);
  });

  it('pushes back incrementally, and old snapshots are pruned on both sides', async function () {
    const p = await push(r2, n1);
    expect(p.incremental).to.equal(true);
    expect(await sum(r1)).to.equal(await sum(r2));
    expect((await runChecked(r1, ['cat', `${MOUNT}/small`])).stdout).to.equal('four\n');
    const s1 = (await new ZfsVolumeStore(r1).get(VOL))?.snapshots;
    const s2 = (await new ZfsVolumeStore(r2).get(VOL))?.snapshots;
    expect(s1).to.deep.equal([p.snapshot]);
    expect(s2).to.deep.equal([p.snapshot]);
  });

  it('the peer endpoint refuses bad requests and names outside the parent', async function () {
    for (const line of ['zfs list', 'snapshots ../../etc', 'recv a/b', 'own flocker', 'snapshots x;id', '']) {
      const rep = await driver<{ code: number; stderr: string }>(r1, 'request', { peer: target(n2), line });
      expect(rep.result.code, line).to.not.equal(0);
      expect(rep.result.stderr, line).to.match(/refused/);
    }
    // a good request works over the same path
    const ok = await driver<{ code: number; stdout: string }>(r1, 'request', {
      peer: target(n2),
      line: `snapshots ${VOL}`,
    });
    expect(ok.result.code).to.equal(0);
    expect(JSON.parse(ok.result.stdout)).to.have.length(1);
  });

  it('refuses to push to a host whose key is not the verified one', async function () {
    await trust(r2, n2.name, peersMap({ [n1.name]: n2.hostKey })); // n2 now "expects" the wrong key for n1
    const rep = await driver<Push>(r2, 'push', { name: VOL, peer: target(n1) });
    expect(rep.ok).to.equal(false);
    expect(rep.host).to.equal(n1.name);
    expect(rep.error).to.match(/host key verification failed|REMOTE HOST IDENTIFICATION/i);
    await trust(r2, n2.name, peersMap());
    expect((await push(r2, n1)).incremental).to.equal(true);
  });
});
