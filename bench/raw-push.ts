// Benchmark baseline of volume pushes: a plain `zfs send | ssh ... zfs recv` pipeline of the same
// data between the same nodes, with the same ssh options as pushes (peerSshArgv).
import { NodeCommandError } from '../src/errors.js';
import { localSpawner, type Spawner } from '../src/exec/spawn.js';
import { peerSshArgv, type TrustOptions } from '../src/changestate/trust.js';
import { sendArgv } from '../src/zfs/argv.js';

/**
 * Raw pipeline: `left | right`, both argv (no shell), stdout of left into stdin of right.
 * Resolves with bytes and seconds; rejects with the failing side's NodeCommandError.
 */
export async function pipeCommands(
  left: readonly string[],
  right: readonly string[],
  opts: { readonly spawner?: Spawner; readonly host?: string } = {},
): Promise<{ bytes: number; seconds: number }> {
  const spawner = opts.spawner ?? localSpawner;
  const started = performance.now();
  const a = spawner(left);
  const b = spawner(right);
  a.stdin.end();
  let bytes = 0;
  a.stdout.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  a.stdout.pipe(b.stdin);
  b.stdout.resume();
  const [xa, xb] = await Promise.all([a.exited, b.exited]);
  const host = opts.host ?? 'localhost';
  if (xa.code !== 0) throw new NodeCommandError(host, left, xa.code, xa.stderr);
  if (xb.code !== 0) throw new NodeCommandError(host, right, xb.code, xb.stderr);
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * The plain `zfs send [-i @from] ds@snap | ssh ... zfs recv -F <dataset>` argv pair. The receiver
 * must accept this key WITHOUT the forced command (a temporary untagged authorized_keys line).
 * Run with pipeCommands(r.send, r.ssh) on the sending node.
 */
export function rawPushArgv(
  peer: { readonly address: string; readonly port: number },
  source: { readonly parent: string; readonly name: string; readonly snap: string; readonly from?: string },
  targetDataset: string,
  opts: TrustOptions = {},
): { send: string[]; ssh: string[] } {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/.test(targetDataset))
    throw new Error(`invalid dataset ${targetDataset}`);
  return {
    send: sendArgv(source.parent, source.name, source.snap, source.from),
    ssh: peerSshArgv(peer, `zfs recv -F ${targetDataset}`, opts),
  };
}
