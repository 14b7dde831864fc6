// The restricted receiving endpoint of volume pushes: `flocker-changestate peer`, run by sshd as
// the forced command of a tagged authorized_keys line, with the client's request in
// SSH_ORIGINAL_COMMAND. Requests (one line, single spaces, nothing else accepted):
//   snapshots NAME                        -> JSON list of the flocker snapshots held of NAME
//   status NAME                           -> JSON {exists, owned, role, epoch, owner, lineage,
//                                            snapshots, newest, newest_guid}
//   recv NAME LINEAGE EPOCH OWNER [FROM]  -> full (or incremental from FROM) zfs stream on stdin
//                                            into the read-only copy, recorded as LINEAGE's copy
//                                            at EPOCH from OWNER; never over data the sender lacks
//   own NAME SNAP GUID EPOCH FROM TO      -> become owner at EPOCH (recorded as node TO) only if
//                                            the newest snapshot here is SNAP with GUID
// Never runs a shell; names are validated against the same rules as the store (model/names.ts).
import type { Readable, Writable } from 'node:stream';
import { FlockerError } from '../errors.js';
import { isNodeName, isSnapshotName, isVolumeName } from '../model/names.js';
import { NodeError } from '../errors.js';
import { GUID_RE, LINEAGE_RE } from '../zfs/parse.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import { assertNever } from '../util/assert-never.js';

export type PeerRequest =
  | { readonly kind: 'snapshots'; readonly name: string }
  | { readonly kind: 'status'; readonly name: string }
  | {
      readonly kind: 'recv';
      readonly name: string;
      readonly lineage: string;
      readonly epoch: number;
      readonly owner: string;
      readonly from?: string;
    }
  | {
      readonly kind: 'own';
      readonly name: string;
      readonly snapshot: string;
      readonly guid: string;
      readonly epoch: number;
      readonly from: string;
      readonly to: string;
    };

/** What `status NAME` answers. */
export interface PeerStatus {
  readonly exists: boolean;
  readonly owned: boolean;
  readonly role?: string;
  readonly epoch?: number;
  readonly owner?: string;
  readonly lineage?: string;
  readonly snapshots: readonly string[];
  readonly newest?: string;
  readonly newest_guid?: string;
}

export class PeerRequestRefused extends FlockerError {
  constructor(message: string) {
    super(`peer request refused: ${message}`, 'E_PEER_REFUSED', 'user');
  }
}

const MAX_REQUEST = 256;

/** Parse a request strictly; throws PeerRequestRefused for anything else. */
export function parsePeerRequest(original: string | undefined): PeerRequest {
  if (original === undefined || original === '')
    throw new PeerRequestRefused('no request (interactive login is not allowed)');
  if (original.length > MAX_REQUEST || !/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(original)) {
    throw new PeerRequestRefused('malformed request');
  }
  const words = original.split(' ');
  const [verb, name, ...args] = words;
  if (name === undefined) throw new PeerRequestRefused(`malformed request: ${JSON.stringify(original)}`);
  if (!isVolumeName(name)) throw new PeerRequestRefused(`invalid volume name ${JSON.stringify(name)}`);
  const arity = (n: number, m = n): void => {
    if (args.length < n || args.length > m)
      throw new PeerRequestRefused(`wrong number of arguments: ${JSON.stringify(original)}`);
  };
  const check = (ok: boolean, what: string, v: string | undefined): string => {
    if (!ok || v === undefined) throw new PeerRequestRefused(`invalid ${what} ${JSON.stringify(v ?? '')}`);
    return v;
  };
  const epochOf = (v: string | undefined): number =>
    Number(check(v !== undefined && /^[1-9][0-9]{0,8}$/.test(v), 'epoch', v));
  switch (verb) {
    case 'snapshots':
    case 'status':
      arity(0);
      return { kind: verb, name };
    case 'recv': {
      arity(3, 4);
      const [lineage, epoch, owner, from] = args;
      return {
        kind: 'recv',
        name,
        lineage: check(LINEAGE_RE.test(lineage ?? ''), 'lineage', lineage),
        epoch: epochOf(epoch),
        owner: check(isNodeName(owner ?? ''), 'node name', owner),
        ...(from !== undefined ? { from: check(isSnapshotName(from), 'snapshot name', from) } : {}),
      };
    }
    case 'own': {
      arity(5);
      const [snapshot, guid, epoch, from, to] = args;
      return {
        kind: 'own',
        name,
        snapshot: check(isSnapshotName(snapshot ?? ''), 'snapshot name', snapshot),
        guid: check(GUID_RE.test(guid ?? ''), 'guid', guid),
        epoch: epochOf(epoch),
        from: check(isNodeName(from ?? ''), 'node name', from),
        to: check(isNodeName(to ?? ''), 'node name', to),
      };
    }
    default:
      throw new PeerRequestRefused(`unknown request ${JSON.stringify(verb ?? '')}`);
  }
}

export function formatPeerRequest(r: PeerRequest): string {
  switch (r.kind) {
    case 'snapshots':
    case 'status':
      return `${r.kind} ${r.name}`;
    case 'recv':
      return [r.kind, r.name, r.lineage, r.epoch, r.owner, ...(r.from !== undefined ? [r.from] : [])].join(
        ' ',
      );
    case 'own':
      return [r.kind, r.name, r.snapshot, r.guid, r.epoch, r.from, r.to].join(' ');
    default:
      return assertNever(r);
  }
}

function writeLine(out: Writable, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(`${JSON.stringify(value)}\n`, (e) => (e ? reject(e) : resolve()));
  });
}

/**
 * Serve one peer request. Resolves after writing the JSON reply to stdout; rejects (with a
 * FlockerError whose message belongs on stderr) when refused or failed.
 */
export async function runPeerCommand(
  originalCommand: string | undefined,
  store: VolumeStore,
  stdin: Readable,
  stdout: Writable,
): Promise<void> {
  const req = parsePeerRequest(originalCommand);
  switch (req.kind) {
    case 'snapshots': {
      const v = await store.get(req.name);
      return writeLine(stdout, v?.snapshots ?? []);
    }
    case 'status': {
      const v = await store.get(req.name);
      const newest = v?.snapshots[v.snapshots.length - 1];
      const st: PeerStatus = {
        exists: v !== undefined,
        owned: v?.owned ?? false,
        ...(v ? { role: v.role, epoch: v.epoch } : {}),
        ...(v?.owner !== undefined ? { owner: v.owner } : {}),
        ...(v?.lineage !== undefined ? { lineage: v.lineage } : {}),
        snapshots: v?.snapshots ?? [],
        ...(newest !== undefined ? { newest, newest_guid: v?.guids[newest] ?? '' } : {}),
      };
      return writeLine(stdout, st);
    }
    case 'recv': {
      const bytes = await store.receive(req.name, stdin, req.from, {
        lineage: req.lineage,
        epoch: req.epoch,
        owner: req.owner,
      });
      const v = await store.get(req.name);
      const newest = v?.snapshots[v.snapshots.length - 1];
      // keep only what was just received (held): the sender's next incremental starts from it
      if (newest !== undefined) await store.pruneSnapshots(req.name, [newest]);
      return writeLine(stdout, { received: newest ?? null, ...(bytes !== undefined ? { bytes } : {}) });
    }
    case 'own': {
      await takeOwnership(store, req);
      return writeLine(stdout, { owned: true, epoch: req.epoch });
    }
    default:
      return assertNever(req);
  }
}

/**
 * Step 4 of a handoff, on the receiver: become owner at the handoff's epoch only if the newest
 * snapshot here is exactly the one the final push carried (name and GUID). Idempotent: owning
 * already at that epoch with that snapshot is success.
 */
export async function takeOwnership(
  store: VolumeStore,
  req: Extract<PeerRequest, { kind: 'own' }>,
): Promise<void> {
  const host = req.to;
  const v = await store.get(req.name);
  if (!v)
    throw new NodeError(host, `cannot take ownership of volume ${req.name}: no copy here`, 'E_NO_VOLUME');
  const newest = v.snapshots[v.snapshots.length - 1];
  const holdsFinal = newest === req.snapshot && v.guids[req.snapshot] === req.guid;
  if (v.role === 'owner') {
    if (v.epoch === req.epoch && holdsFinal) {
      await store.setRecord(req.name, { role: 'owner' }); // writable, if a crash left it not yet
      return;
    }
    throw new NodeError(
      host,
      `refusing ownership of volume ${req.name} at epoch ${req.epoch}: this node already owns it at epoch ${v.epoch}`,
      'E_VOLUME_OWNED',
    );
  }
  if (v.role === 'handing-off')
    throw new NodeError(
      host,
      `refusing ownership of volume ${req.name}: this node is handing it off`,
      'E_VOLUME_OWNED',
    );
  if (!holdsFinal)
    throw new NodeError(
      host,
      `refusing ownership of volume ${req.name}: the newest snapshot here is ${newest ?? '(none)'} (guid ${newest !== undefined ? (v.guids[newest] ?? '?') : '-'}), not the final ${req.snapshot} (guid ${req.guid}) from ${req.from}`,
      'E_HANDOFF_MISMATCH',
    );
  if (v.epoch >= req.epoch)
    throw new NodeError(
      host,
      `refusing ownership of volume ${req.name} at epoch ${req.epoch}: this copy is already at epoch ${v.epoch}`,
      'E_HANDOFF_MISMATCH',
    );
  await store.setRecord(req.name, { epoch: req.epoch, owner: req.to, role: 'owner', handoff: null });
}
