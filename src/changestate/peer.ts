// The restricted receiving endpoint of volume pushes: `flocker-changestate peer`, run by sshd as
// the forced command of a tagged authorized_keys line, with the client's request in
// SSH_ORIGINAL_COMMAND. Requests (one line, single spaces, nothing else accepted):
//   snapshots NAME       -> JSON list of the flocker snapshots this node holds of NAME
//   status NAME          -> JSON {exists, owned, snapshots}
//   recv NAME            -> full zfs stream on stdin replaces the read-only copy
//   recv NAME SNAPSHOT   -> incremental stream from SNAPSHOT (which this copy must hold)
//   own NAME             -> take ownership (readonly=off)
// Never runs a shell; names are validated against the same rules as the store (model/names.ts).
import type { Readable, Writable } from 'node:stream';
import { FlockerError } from '../errors.js';
import { isSnapshotName, isVolumeName } from '../model/names.js';
import type { VolumeStore } from '../zfs/volume-store.js';
import { assertNever } from '../util/assert-never.js';

export type PeerRequest =
  | { readonly kind: 'snapshots'; readonly name: string }
  | { readonly kind: 'status'; readonly name: string }
  | { readonly kind: 'recv'; readonly name: string; readonly from?: string }
  | { readonly kind: 'own'; readonly name: string };

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
  const [verb, name, extra, ...rest] = words;
  if (name === undefined) throw new PeerRequestRefused(`malformed request: ${JSON.stringify(original)}`);
  if (!isVolumeName(name)) throw new PeerRequestRefused(`invalid volume name ${JSON.stringify(name)}`);
  if (rest.length) throw new PeerRequestRefused(`too many arguments: ${JSON.stringify(original)}`);
  switch (verb) {
    case 'snapshots':
    case 'status':
    case 'own':
      if (extra !== undefined)
        throw new PeerRequestRefused(`too many arguments: ${JSON.stringify(original)}`);
      return { kind: verb, name };
    case 'recv':
      if (extra === undefined) return { kind: 'recv', name };
      if (!isSnapshotName(extra))
        throw new PeerRequestRefused(`invalid snapshot name ${JSON.stringify(extra)}`);
      return { kind: 'recv', name, from: extra };
    default:
      throw new PeerRequestRefused(`unknown request ${JSON.stringify(verb ?? '')}`);
  }
}

export function formatPeerRequest(r: PeerRequest): string {
  return r.kind === 'recv' && r.from !== undefined ? `recv ${r.name} ${r.from}` : `${r.kind} ${r.name}`;
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
      return writeLine(stdout, {
        exists: v !== undefined,
        owned: v?.owned ?? false,
        snapshots: v?.snapshots ?? [],
      });
    }
    case 'recv': {
      const bytes = await store.receive(req.name, stdin, req.from);
      const v = await store.get(req.name);
      const newest = v?.snapshots[v.snapshots.length - 1];
      // keep only what was just received: the sender's next incremental starts from it
      if (newest !== undefined) await store.pruneSnapshots(req.name, [newest]);
      return writeLine(stdout, { received: newest ?? null, ...(bytes !== undefined ? { bytes } : {}) });
    }
    case 'own': {
      await store.setOwned(req.name, true);
      return writeLine(stdout, { owned: true });
    }
    default:
      return assertNever(req);
  }
}
