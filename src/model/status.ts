// `flocker status --json`: the cluster as one document (schema: status-schema.ts, docs/status.md).
// Environment values are never part of it.

export const STATUS_FORMAT = 'flocker-status';
export const STATUS_VERSION = 1;

export type AppState = 'running' | 'failed' | 'stopped' | 'not running';

export interface StatusLockHolder {
  readonly user: string;
  readonly from: string;
  readonly since: string;
  readonly deploy_id: string;
  readonly deploy_pid: number;
}

export interface StatusNode {
  readonly name: string;
  readonly reachable: boolean;
  readonly address?: string;
  readonly hostname?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** the deploy lock (absent when the node did not answer) */
  readonly lock?: { readonly held: boolean; readonly holder?: StatusLockHolder };
}

export interface StatusApp {
  readonly name: string;
  /** the node that reports it; for 'not running', the node the deployment places it on */
  readonly node: string;
  readonly state: AppState;
  /** systemd's ActiveState when reported */
  readonly unit_state?: string;
  readonly image?: string;
  readonly since?: string;
  readonly ports: readonly { readonly internal: number; readonly external: number }[];
  readonly volume: boolean;
  /** the node(s) the deployment file places it on */
  readonly deployed_to: readonly string[];
}

export interface StatusVolume {
  readonly name: string;
  /** the node(s) holding it writable (more than one: a conflict the deploy refuses) */
  readonly owners: readonly string[];
  /** a handoff under way: from, to */
  readonly handing_off?: { readonly from: string; readonly to: string };
  readonly copies: readonly string[];
  readonly epoch: number;
  readonly bytes?: number;
  readonly newest_snapshot?: string;
}

export interface StatusRoute {
  readonly node: string;
  readonly port: number;
  readonly target_address: string;
  readonly target_port: number;
  /** "udp" for a UDP route; absent = TCP */
  readonly protocol?: 'udp';
  /** the node of the deployment with that address, if any */
  readonly target_node?: string;
}

export interface StatusReport {
  readonly format: typeof STATUS_FORMAT;
  readonly version: typeof STATUS_VERSION;
  /** every node answered */
  readonly complete: boolean;
  readonly nodes: readonly StatusNode[];
  readonly applications: readonly StatusApp[];
  readonly volumes: readonly StatusVolume[];
  readonly routes: readonly StatusRoute[];
}
