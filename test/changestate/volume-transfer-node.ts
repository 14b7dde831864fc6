// Node-side driver for volume-transfer.functional.test: runs the real transfer code ON a lab
// node (node /opt/flocker/dist/test/changestate/volume-transfer-node.js OP 'JSON'), printing JSON.
import { hostname } from 'node:os';
import { LocalRunner } from '../../src/exec/local-runner.js';
import {
  handoffVolume,
  pipeCommands,
  pushVolume,
  rawPushArgv,
  SshPeerTransport,
} from '../../src/changestate/volume-transfer.js';
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
  /** raw: key + known_hosts dir of an UNRESTRICTED key (the push key is forced to the peer endpoint) */
  peerDir?: string;
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
