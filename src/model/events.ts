// Typed progress events. The core emits them; the CLI renders them (listr2 on a TTY, plain
// timestamped lines otherwise, NDJSON with --json). flocker-changestate emits the node-side
// ones as NDJSON on stdout and flocker-deploy adds the node name.
import type { PhaseName } from './changes.js';

export type NodeEvent =
  | { readonly type: 'change-start'; readonly phase: PhaseName; readonly change: string }
  | {
      readonly type: 'change-done';
      readonly phase: PhaseName;
      readonly change: string;
      readonly ms: number;
      /** e.g. volume push figures */
      readonly detail?: Readonly<Record<string, string | number | boolean>>;
    }
  | {
      readonly type: 'change-failed';
      readonly phase: PhaseName;
      readonly change: string;
      readonly error: string;
    };

export type DeployEvent =
  | { readonly type: 'step-start'; readonly step: string; readonly nodes: readonly string[] }
  | { readonly type: 'step-done'; readonly step: string; readonly ms: number }
  | { readonly type: 'step-failed'; readonly step: string; readonly error: string }
  | { readonly type: 'phase-start'; readonly phase: PhaseName; readonly nodes: readonly string[] }
  | { readonly type: 'phase-done'; readonly phase: PhaseName; readonly ms: number }
  | (NodeEvent & { readonly node: string });

export type Emit<E> = (event: E) => void;
