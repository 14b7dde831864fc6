// What the deploy side sends `flocker-changestate prune` (JSON on stdin; schema in
// src/validation/prune-input-schema.ts), and what it answers (one JSON line on stdout).
export interface PruneInput {
  readonly protocol: number;
  /** the node name this input is for */
  readonly self: string;
  /** only measure (sizes), delete nothing, take no lock */
  readonly dry_run: boolean;
  /** the application config's names: an owned volume of one of these is never deleted */
  readonly applications: readonly string[];
  /** volumes to destroy, with the record they had when the plan was made (checked again) */
  readonly volumes: readonly {
    readonly name: string;
    readonly role: 'owner' | 'copy';
    readonly epoch: number;
  }[];
  /** flocker snapshots to destroy (a dataset's newest is refused) */
  readonly snapshots: readonly { readonly name: string; readonly destroy: readonly string[] }[];
  /** issue 13 item 1: IDs of images we sent here to remove (each checked again: ours, unused) */
  readonly images?: readonly string[];
  readonly audit: {
    readonly deploy_id: string;
    readonly user: string;
    readonly host: string;
    readonly started_at: string;
  };
}

export interface PruneResult {
  readonly volumes: readonly { readonly name: string; readonly bytes: number }[];
  readonly snapshots: readonly { readonly name: string; readonly snapshot: string; readonly bytes: number }[];
  readonly bytes: number;
  /** issue 13 item 1: images removed (or, dry run, that would be) */
  readonly images?: readonly string[];
  /** what was not there any more (already gone) */
  readonly absent: readonly string[];
}
