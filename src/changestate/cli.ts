// flocker-changestate: the node-side program flocker-deploy runs over SSH. Input arrives on
// stdin (never argv); progress events leave as NDJSON on stdout; diagnostics on stderr.
import type { Readable, Writable } from 'node:stream';
import type { NodeBuild } from '../docker/images.js';
import { versionLine } from '../cli-support/index.js';
import { FlockerError, UsageError, errorData } from '../errors.js';
import type { ChangestateNode } from './adapters.js';
import { applyLine, auditLine, parseAuditRecord } from './audit.js';
import type { LeafChange } from '../model/events.js';
import { runPeerCommand } from './peer.js';
import { runPrune } from './prune.js';
import { parsePruneInput } from '../validation/prune-input.js';
import { parseChangestateInput, runPhase } from './run-phase.js';
import { parseTrustInput } from '../validation/changestate-input.js';
import { parseLockHolder } from '../validation/lock-holder.js';
import { parseMembership } from '../validation/membership.js';
import { describeHolder, holderPid, holdDeployLock, holdWork, lockStatus } from './deploy-lock.js';

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
  audit-log          print this node's audit log (one JSON line per event)
  prune              destroy the listed stale volumes and snapshots, each checked again here
                     (JSON on stdin; dry_run: only measure them)
  restore-routes     re-apply the persisted routes (run at boot by flocker-routes.service)
  link-nat NAME      set the NAT rules of application NAME's links by name in its container
                     (run by its unit at every start, after the container starts)
  remember           record the cluster membership (JSON on stdin) in /var/lib/flocker/cluster.json
  lock [--wait SECS] take this node's deploy lock (holder record as the first stdin line), wait
                     for earlier work, print {"locked":...}, hold it until stdin ends
  load-image --ref REF --id ID
                     load a docker image archive (stdin); REF must then be image ID
  build-image --tag TAG [--file PATH] [--target STAGE] [--build-arg K=V]...
                     build from a context archive (stdin) as docker build - does; print the
                     image ID (the deploying machine has no docker)
  save-image --ref REF
                     write docker save REF to stdout (sent on to the other nodes)
  lock-status        print whether the deploy lock is held, and by whom
  lock-break         end the lock's holder process on this node (the lock is then free)
  help, --help       print this help
  --version          print the version

Exit codes: 0 success; 1 a command on this node failed; 2 bad input or usage.`;

/** First line of a stream, and a promise of its end (the deploy side's channel closing). */
function firstLineThenEnd(stdin: NodeJS.ReadableStream): { line: Promise<string>; end: Promise<void> } {
  let buf = '';
  let gotLine: (l: string) => void = () => undefined;
  const line = new Promise<string>((r) => (gotLine = r));
  const end = new Promise<void>((resolve) => {
    stdin.on('data', (b: Buffer | string) => {
      if (buf.includes('\n')) return;
      buf += b.toString();
      if (buf.includes('\n')) gotLine(buf.slice(0, buf.indexOf('\n')));
    });
    stdin.on('end', () => {
      gotLine(buf);
      resolve();
    });
    stdin.on('error', () => resolve());
    stdin.on('close', () => resolve());
  });
  return { line, end };
}

/** build-image's flags (repeated --build-arg K=V) */
function parseBuildArgs(rest: readonly string[]): NodeBuild {
  let tag: string | undefined;
  let dockerfile: string | undefined;
  let target: string | undefined;
  const args: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new UsageError(`build-image: ${flag ?? ''} needs a value\n${USAGE}`);
    if (flag === '--tag') tag = value;
    else if (flag === '--file') dockerfile = value;
    else if (flag === '--target') target = value;
    else if (flag === '--build-arg' && value.indexOf('=') > 0)
      args[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
    else throw new UsageError(`build-image: unexpected ${flag ?? ''} ${value}\n${USAGE}`);
  }
  if (tag === undefined) throw new UsageError(`build-image needs --tag TAG\n${USAGE}`);
  return {
    tag,
    ...(dockerfile !== undefined ? { dockerfile } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(Object.keys(args).length ? { args } : {}),
  };
}

function waitSeconds(args: readonly string[]): number {
  if (args.length === 0) return 0;
  const n = Number(args[1]);
  if (args[0] !== '--wait' || args.length !== 2 || !Number.isInteger(n) || n < 0)
    throw new UsageError(`lock takes --wait SECONDS (a whole number)\n${USAGE}`);
  return n;
}

/** Run one command on `node` (bin/ passes localNode(); tests pass a fake node). */
export async function main(argv: readonly string[], io: ChangestateIO, node: ChangestateNode): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'help':
    case '--help':
    case '-h':
      io.stdout(`${USAGE}\n`);
      return;
    case '--version':
    case '-V':
      io.stdout(versionLine('flocker-changestate'));
      return;
    case 'apply': {
      const text = await io.readStdin();
      if (text.trim() === '') return; // started ahead of its phase, then not needed
      const input = parseChangestateInput(text);
      // under the work lock for the whole run: a new deploy waits for this one's work to end,
      // even if the deploy that started it has died meanwhile
      const work = await holdWork(node.lock, input.audit.deploy_id);
      // start and end on record here, by the node: a deploy that dies meanwhile leaves a start
      // (and this end) without its deploy record, which `flocker audit` shows as interrupted
      const done: LeafChange[] = [];
      let failure: unknown;
      try {
        await node.appendAudit(applyLine(input, new Date()));
        // no preflight here: flocker-reportstate checked the tools moments ago in the same deploy
        await runPhase(
          input,
          () => node.gather(),
          node.adapters(),
          (e) => {
            if (e.type === 'change-done') done.push(e.change);
            io.stdout(`${JSON.stringify(e)}\n`);
          },
        );
      } catch (e) {
        failure = e;
        throw e;
      } finally {
        const end = failure
          ? { result: 'failed' as const, code: errorData(failure).code, changes: done }
          : { result: 'ok' as const, changes: done };
        await node.appendAudit(applyLine(input, new Date(), end)).catch(() => undefined);
        await work.release();
      }
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
      await node.appendAudit(auditLine(parseAuditRecord(await io.readStdin()), new Date()));
      return;
    case 'prune': {
      const input = parsePruneInput(await io.readStdin());
      const r = await runPrune(
        input,
        node.adapters().volumes,
        node.lock,
        (l) => node.appendAudit(l),
        node.images?.(),
      );
      io.stdout(`${JSON.stringify(r)}\n`);
      return;
    }
    case 'audit-log':
      io.stdout(await node.readAudit());
      return;
    case 'restore-routes': {
      const r = await node.restoreRoutes();
      io.stdout(`${JSON.stringify(r ?? { restored: false })}\n`);
      return;
    }
    case 'link-nat': {
      const name = rest[0];
      if (name === undefined || rest.length !== 1)
        throw new UsageError(`link-nat takes one application name\n${USAGE}`);
      io.stdout(`${JSON.stringify(await node.linkNat(name))}\n`);
      return;
    }
    case 'lock': {
      const wait = waitSeconds(rest);
      const input = firstLineThenEnd(io.stdin);
      const record = parseLockHolder(await input.line, 'lock holder record');
      const r = await holdDeployLock(
        node.lock,
        record,
        wait,
        (x) => io.stdout(`${JSON.stringify(x)}\n`),
        input.end,
      );
      if (!r.locked)
        throw new FlockerError(
          `the deploy lock is held by ${describeHolder(r.holder ?? undefined)}${wait ? ` (waited ${wait} s)` : ''}`,
          'E_LOCKED',
        );
      return;
    }
    case 'remember':
      await node.remember(parseMembership(await io.readStdin(), 'membership input'));
      return;
    case 'load-image': {
      // issue 13 item 1: an image the deploy sends (only the layers this node lacks)
      const [k1, ref, k2, id] = rest;
      if (k1 !== '--ref' || k2 !== '--id' || !ref || !id || rest.length !== 4)
        throw new UsageError(`load-image takes --ref REF --id ID\n${USAGE}`);
      const images = node.images?.();
      if (!images) throw new FlockerError('this node cannot load images', 'E_IMAGE_SHIP', 'system');
      const r = await images.load(io.stdin as Readable, ref, id);
      io.stdout(`${JSON.stringify({ loaded: id, bytes: r.bytes })}\n`);
      return;
    }
    case 'build-image': {
      // issue 13 item 1: no docker on the deploying machine, so this node builds
      const images = node.images?.();
      if (!images) throw new FlockerError('this node cannot build images', 'E_IMAGE_BUILD', 'system');
      const id = await images.build(io.stdin as Readable, parseBuildArgs(rest));
      io.stdout(`${JSON.stringify({ image_id: id })}\n`);
      return;
    }
    case 'save-image': {
      const [k, ref] = rest;
      if (k !== '--ref' || !ref || rest.length !== 2)
        throw new UsageError(`save-image takes --ref REF\n${USAGE}`);
      const images = node.images?.();
      if (!images) throw new FlockerError('this node cannot save images', 'E_IMAGE_SHIP', 'system');
      await images.save(ref, io.stdoutStream as Writable);
      return;
    }
    case 'lock-status':
      io.stdout(`${JSON.stringify(await lockStatus(node.lock))}\n`);
      return;
    case 'lock-break': {
      const st = await lockStatus(node.lock);
      const pid = st.held ? await holderPid(node.lock) : undefined;
      const ended = pid !== undefined && (await node.endLockHolder(pid));
      io.stdout(`${JSON.stringify({ was_held: st.held, holder: st.holder, ended })}\n`);
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
