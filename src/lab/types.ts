// Lab state as stored in /var/lib/flocker-lab/<LAB>/state.json.

export interface LabNodeState {
  /** n1..nN: hostname and ssh alias */
  readonly name: string;
  readonly index: number;
  readonly address: string;
  readonly machine: string;
  readonly netns: string;
  readonly veth: string;
  /** "ssh-ed25519 AAAA..." */
  readonly hostKey: string;
  readonly dir: string;
  readonly root: string;
  /** pid of systemd-nspawn on the host (0 = not started) */
  nspawnPid: number;
  /** cgroup directories made for this node, one per hierarchy */
  cgroups: string[];
}

export interface LabState {
  readonly version: 1;
  readonly name: string;
  readonly subnet: string;
  readonly prefix: number;
  readonly bridge: string;
  readonly bridgeAddress: string;
  readonly comment: string;
  readonly poolSize: string;
  readonly projectRoot: string;
  /** booted from a debootstrap'd rootfs, no project bind mount (flocker-lab up --bare) */
  readonly bare?: boolean;
  /** the overlay's lower layer: / or the rootfs */
  readonly lower?: string;
  readonly stateDir: string;
  readonly sshConfig: string;
  readonly keyPath: string;
  readonly knownHosts: string;
  readonly deploymentPath: string;
  readonly createdAt: string;
  /** iptables binaries the FORWARD rule was inserted with */
  forwardRules: string[];
  readonly nodes: LabNodeState[];
}

export interface NodeStatus {
  readonly name: string;
  readonly address: string;
  readonly running: boolean;
  readonly nspawnPid: number;
  readonly leaderPid: number | null;
  readonly system: string;
  readonly sshd: string;
  readonly docker: string;
  readonly zfs: string;
  readonly pool: string;
}

export interface LabStatus {
  readonly name: string;
  readonly exists: boolean;
  readonly up: boolean;
  readonly subnet: string | null;
  readonly bridge: string | null;
  readonly sshConfig: string | null;
  readonly nodes: readonly NodeStatus[];
}
