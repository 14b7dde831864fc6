// Pure: every name a lab uses on the host, derived from the lab name and node index.

export const LAB_ROOT = '/var/lib/flocker-lab';
export const DEFAULT_LAB = 'flab';
export const CGROUP_PARENT = 'flocker-lab';
const LAB_NAME = /^[a-z0-9]{1,6}$/;

export function isValidLabName(name: string): boolean {
  return LAB_NAME.test(name);
}

export interface LabNames {
  readonly lab: string;
  readonly stateDir: string;
  readonly stateFile: string;
  readonly sshDir: string;
  readonly sshConfig: string;
  readonly keyPath: string;
  readonly knownHosts: string;
  readonly deploymentPath: string;
  readonly imagesDir: string;
  readonly bridge: string;
  /** comment on the host FORWARD rule */
  readonly comment: string;
}

export interface NodeNames {
  readonly index: number;
  /** hostname and ssh alias: n1..nN */
  readonly node: string;
  /** nspawn machine name, netns, host veth, cgroup leaf */
  readonly machine: string;
  readonly netns: string;
  readonly veth: string;
  readonly cgroupLeaf: string;
  readonly dir: string;
  readonly root: string;
  readonly upper: string;
  readonly work: string;
  readonly dockerDir: string;
  readonly containerdDir: string;
  readonly zfsDir: string;
  readonly consoleLog: string;
}

export function labNames(lab: string): LabNames {
  const stateDir = `${LAB_ROOT}/${lab}`;
  const sshDir = `${stateDir}/ssh`;
  return {
    lab,
    stateDir,
    stateFile: `${stateDir}/state.json`,
    sshDir,
    sshConfig: `${sshDir}/config`,
    keyPath: `${sshDir}/id_ed25519`,
    knownHosts: `${sshDir}/known_hosts`,
    deploymentPath: `${stateDir}/deployment.yml`,
    imagesDir: `${stateDir}/images`,
    bridge: `${lab}0`,
    comment: `flocker-lab:${lab}`,
  };
}

export function nodeNames(lab: string, index: number): NodeNames {
  const machine = `${lab}-n${index}`;
  const dir = `${LAB_ROOT}/${lab}/nodes/n${index}`;
  return {
    index,
    node: `n${index}`,
    machine,
    netns: machine,
    veth: machine,
    cgroupLeaf: `${CGROUP_PARENT}/${machine}`,
    dir,
    root: `${dir}/root`,
    upper: `${dir}/upper`,
    work: `${dir}/work`,
    dockerDir: `${dir}/docker`,
    containerdDir: `${dir}/containerd`,
    zfsDir: `${dir}/zfs`,
    consoleLog: `${dir}/console.log`,
  };
}

/** node index from "n3" (1-based), or undefined */
export function parseNodeName(node: string): number | undefined {
  const m = /^n([1-9][0-9]*)$/.exec(node);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
