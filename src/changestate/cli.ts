// flocker-changestate: the node-side program flocker-deploy runs over SSH. Input arrives on
// stdin (never argv); progress events leave as NDJSON on stdout; diagnostics on stderr.
import { FlockerError, UsageError } from '../errors.js';
import type { ChangestateNode } from './adapters.js';
import { parseAuditRecord } from './audit.js';
import { runPeerCommand } from './peer.js';
import { parseChangestateInput, runPhase } from './run-phase.js';
import { parseTrustInput } from '../validation/changestate-input.js';

export interface ChangestateIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly readStdin: () => Promise<string>;
  readonly stdout: (s: string) => void;
  readonly stdoutStream: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const USAGE = `usage: flocker-changestate COMMAND
  apply              apply this node's part of one deploy phase (JSON input on stdin)
  trust --self NODE  trust exactly the peers' verified host keys and push keys (JSON on stdin)
  peer-key           create this node's volume-push key if missing; print its public key
  peer               restricted endpoint for volume pushes (ssh forced command; SSH_ORIGINAL_COMMAND)
  audit              append one deploy record (JSON on stdin) to /var/lib/flocker/audit.log
  restore-routes     re-apply the persisted routes (run at boot by flocker-routes.service)`;

/** Run one command on `node` (bin/ passes localNode(); tests pass a fake node). */
export async function main(argv: readonly string[], io: ChangestateIO, node: ChangestateNode): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'apply': {
      const text = await io.readStdin();
      if (text.trim() === '') return; // started ahead of its phase, then not needed
      const input = parseChangestateInput(text);
      // no preflight here: flocker-reportstate checked the tools moments ago in the same deploy
      await runPhase(
        input,
        () => node.gather(),
        node.adapters(),
        (e) => io.stdout(`${JSON.stringify(e)}\n`),
      );
      return;
    }
    case 'trust': {
      const self = rest[0] === '--self' ? rest[1] : undefined;
      if (!self) throw new UsageError(`trust needs --self NODE\n${USAGE}`);
      const input = parseTrustInput(await io.readStdin());
      const r = await node.trust(self, input.peers);
      io.stdout(`${JSON.stringify(r)}\n`);
      return;
    }
    case 'peer-key':
      io.stdout(`${await node.peerKey()}\n`);
      return;
    case 'peer':
      await runPeerCommand(
        io.env.SSH_ORIGINAL_COMMAND,
        node.adapters().volumes,
        io.stdin as never,
        io.stdoutStream as never,
      );
      return;
    case 'audit':
      await node.audit(parseAuditRecord(await io.readStdin()));
      return;
    case 'restore-routes': {
      const r = await node.restoreRoutes();
      io.stdout(`${JSON.stringify(r ?? { restored: false })}\n`);
      return;
    }
    default:
      throw new UsageError(cmd === undefined ? USAGE : `unknown command ${cmd}\n${USAGE}`);
  }
}

export function errorText(e: unknown): string {
  return e instanceof FlockerError || !(e instanceof Error)
    ? String(e instanceof Error ? e.message : e)
    : (e.stack ?? e.message);
}
