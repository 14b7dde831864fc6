// Typed progress events, as data: the deploy driver emits them, renderers (listr2 on a TTY,
// plain timestamped lines otherwise, NDJSON with --json) turn them into text at the edge.
// flocker-changestate emits the node-side ones as NDJSON on stdout and flocker-deploy adds the
// node name. Changes travel as the plan's own Change objects, errors as code and message.
import type { ErrorCode } from '../errors.js';
import type { Change, ClusterPlan, InParallel, PhaseName, Sequentially } from './changes.js';

/** A change that does something (not a group); what node events are about. */
export type LeafChange = Exclude<Change, Sequentially | InParallel>;

/** An error as data: its catalogue code and its message. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Figures of one change, e.g. of a volume push (incremental or not). */
export type ChangeFigures = Readonly<Record<string, string | number | boolean>>;

/**
 * A volume stream under way (node side, at most every PROGRESS_INTERVAL_MS and once at its
 * end): bytes sent so far, the expected total when known (a full stream: the volume's
 * `referenced`; zfs-fuse cannot estimate incrementals), ms since the stream started.
 */
export interface ChangeProgress {
  readonly type: 'change-progress';
  readonly phase: PhaseName;
  readonly change: LeafChange;
  readonly bytes: number;
  readonly total?: number;
  readonly ms: number;
}

/** How often a node reports a stream's progress. */
export const PROGRESS_INTERVAL_MS = 500;

export type NodeEvent =
  | { readonly type: 'change-start'; readonly phase: PhaseName; readonly change: LeafChange }
  | ChangeProgress
  | {
      readonly type: 'change-done';
      readonly phase: PhaseName;
      readonly change: LeafChange;
      readonly ms: number;
      readonly detail?: ChangeFigures;
    }
  | {
      readonly type: 'change-failed';
      readonly phase: PhaseName;
      readonly change: LeafChange;
      readonly error: ErrorData;
    };

/** The driver's steps around the phases, in order (trust only when volumes move). */
export type StepName = 'connect' | 'lock' | 'build images' | 'gather state' | 'node-to-node trust';

export type DeployEvent =
  | { readonly type: 'step-start'; readonly step: StepName; readonly nodes: readonly string[] }
  | { readonly type: 'step-done'; readonly step: StepName; readonly ms: number }
  | { readonly type: 'step-failed'; readonly step: StepName; readonly error: ErrorData }
  /** the plan, known before anything changes; node name -> address used for routing */
  | {
      readonly type: 'plan';
      readonly plan: ClusterPlan;
      readonly addresses: Readonly<Record<string, string>>;
      /** volume name -> bytes, for every volume the plan moves (the sender's `referenced`) */
      readonly volumes?: Readonly<Record<string, number>>;
    }
  | { readonly type: 'phase-start'; readonly phase: PhaseName; readonly nodes: readonly string[] }
  | { readonly type: 'phase-done'; readonly phase: PhaseName; readonly ms: number }
  | { readonly type: 'phase-failed'; readonly phase: PhaseName; readonly error: ErrorData }
  | (Exclude<NodeEvent, ChangeProgress> & { readonly node: string })
  /** a node's stream progress with the deploy side's reckoning: rate (bytes/s) and ETA (s) */
  | TransferProgress
  /**
   * the node agent (the node-side programs in one file) was put on a node: first install,
   * another version replaced, or a damaged copy of this version repaired
   */
  | {
      readonly type: 'agent-installed';
      readonly node: string;
      readonly version: string;
      readonly action: 'installed' | 'updated' | 'repaired';
      readonly previous?: string;
      readonly ms: number;
    }
  // --- issue 13 item 1 (images without a registry) ---
  /** an image of a compose build: was built on the deploying machine (cached: nothing changed) */
  | {
      readonly type: 'image-built';
      readonly app: string;
      readonly image: string;
      readonly image_id: string;
      /** the node that built it (the deploying machine has no docker); absent: built here */
      readonly node?: string;
      /** bytes of the build context sent to that node */
      readonly context_bytes?: number;
      readonly ms: number;
    }
  /**
   * an image was sent to a node that lacked it (before anything is stopped): bytes sent (only
   * the layers the node lacked), next to the image's whole archive
   */
  | {
      readonly type: 'image-shipped';
      readonly node: string;
      readonly image: string;
      readonly image_id: string;
      readonly bytes: number;
      readonly image_bytes: number;
      readonly ms: number;
    }
  /** an image on its way to a node: bytes sent so far of the cut archive's total */
  | {
      readonly type: 'image-progress';
      readonly node: string;
      readonly image: string;
      readonly bytes: number;
      readonly total: number;
      readonly ms: number;
    }
  // --- end issue 13 item 1 ---
  /** every node's audit log was given this deploy's record (also after a failed phase) */
  | { readonly type: 'audit'; readonly nodes: readonly string[]; readonly result: string }
  /** the last event of a deploy that did not fail; applied: phases ran */
  | { readonly type: 'finished'; readonly applied: boolean };

export type Emit<E> = (event: E) => void;

export interface TransferProgress {
  readonly type: 'transfer-progress';
  readonly node: string;
  readonly phase: PhaseName;
  readonly change: LeafChange;
  readonly bytes: number;
  readonly total?: number;
  /** bytes per second over the last few seconds; absent until two samples */
  readonly rate?: number;
  /** seconds left at that rate; absent without a total or a rate */
  readonly eta?: number;
  readonly ms: number;
}
