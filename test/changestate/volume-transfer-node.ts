// Node-side driver for volume-transfer.functional.test: runs the real transfer code ON a lab
// node (node /opt/flocker/dist/test/changestate/volume-transfer-node.js OP 'JSON'), printing JSON.
import { hostname } from 'node:os';
import { LocalRunner } from '../../src/exec/local-runner.js';
import { cancelHandoff, handoffVolume, pushVolume } from '../../src/changestate/volume-transfer.js';
import type { PeerRequest } from '../../src/changestate/peer.js';
import { SshPeerTransport } from '../../src/changestate/peer-transport.js';
import { pipeCommands, rawPushArgv } from '../../bench/raw-push.js';
import { ObservedTransport } from './observed-transport.js';
import { peerSshArgv } from '../../src/changestate/trust.js';
import { ZfsVolumeStore } from '../../src/zfs/zfs-volume-store.js';
import { FlockerError } from '../../src/errors.js';

interface Args {
  name?: string;
  peer: { node: string; address: string; port: number };
  line?: string;
  snap?: string;
  from?: string;
  target?: string;
  /** observed: the operation, the request kind to fail, snapshots to retain */
  op?: 'push' | 'handoff' | 'cancel';
  failOn?: PeerRequest['kind'];
  failAfter?: PeerRequest['kind'];
  retain?: string[];
  /** raw: key + known_hosts dir of an UNRESTRICTED key (the push key is forced to the peer endpoint) */
  peerDir?: string;
}

function errorData(e: unknown): { code?: string; message: string } {
  return {
    ...(e instanceof FlockerError ? { code: e.code } : {}),
    message: e instanceof Error ? e.message : String(e),
  };
}

async function main(): Promise<unknown> {
  const [op, json] = process.argv.slice(2);
  const a = JSON.parse(json ?? '{}') as Args;
  const runner = new LocalRunner(hostname());
  const store = new ZfsVolumeStore(runner);
  const opts = { transport: new SshPeerTransport(), self: hostname() };
  switch (op) {
    case 'push':
      return pushVolume(store, a.name ?? '', a.peer, opts);
    case 'handoff':
      return handoffVolume(store, a.name ?? '', a.peer, opts);
    case 'observed': {
      // the contract's run: the same transfer through ObservedTransport; failures are data
      const t = new ObservedTransport(opts.transport, store, a.failOn, a.failAfter);
      const o = { ...opts, transport: t, ...(a.retain ? { retain: a.retain } : {}) };
      try {
        const result =
          a.op === 'handoff'
            ? await handoffVolume(store, a.name ?? '', a.peer, o)
            : a.op === 'cancel'
              ? {
                  snapshot: '',
                  incremental: false,
                  seconds: 0,
                  outcome: await cancelHandoff(store, a.name ?? '', a.peer, o),
                }
              : await pushVolume(store, a.name ?? '', a.peer, o);
        return { result, seen: t.seen };
      } catch (e) {
        return { error: errorData(e), seen: t.seen };
      }
    }
    case 'request': {
      const r = await runner.run(peerSshArgv(a.peer, a.line ?? ''));
      return r;
    }
    case 'raw': {
      const argv = rawPushArgv(
        a.peer,
        { parent: store.parent, name: a.name ?? '', snap: a.snap ?? '', ...(a.from ? { from: a.from } : {}) },
        a.target ?? '',
        a.peerDir ? { peerDir: a.peerDir } : {},
      );
      return pipeCommands(argv.send, argv.ssh, { host: hostname() });
    }
    default:
      throw new Error(`unknown op ${String(op)}`);
  }
}

main().then(
  (r) => process.stdout.write(`${JSON.stringify({ ok: true, result: r })}\n`),
  (e: unknown) => {
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e), code: e instanceof FlockerError ? e.code : undefined, host: (e as { host?: string }).host })}\n`,
    );
  },
);
