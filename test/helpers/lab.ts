// Shared lab fixture for functional tests: one 2-node lab "ftest" per mocha process.
//   const lab = await sharedLab();            // in a before() hook, after requireRootAndFuse(this)
//   const r = await lab.runner('n1').run(['zpool', 'list']);
// Registered as a mocha root hook plugin (.mocharc.json "require"): downs the lab after all tests.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { CommandRunner } from '../../src/exec/runner.js';
import { LabSshRunner } from '../../src/lab/access.js';
import { labDown, labIsUp, labUp, readLabState, restartNode } from '../../src/lab/index.js';
import { LAB_ROOT, labNames } from '../../src/lab/names.js';
import { formatCidr, formatIpv4, overlaps, parseCidr, routeConflicts, type Cidr } from '../../src/lab/net.js';

/** FLOCKER_TEST_LAB lets parallel work trees each have their own shared lab */
export const SHARED_LAB = process.env.FLOCKER_TEST_LAB ?? 'ftest';
/** preferred; freeTestSubnet picks another block when this one is taken on the machine */
export const SHARED_SUBNET = '198.51.100.128/26';
/** several mocha processes (engineers, CI jobs) may want "ftest" at once: they take turns */
const LOCK = `/var/lib/flocker-lab/.${SHARED_LAB}.lock`;
const LOCK_WAIT_MS = 15 * 60_000;

export interface LabHandle {
  readonly name: string;
  readonly nodes: readonly { readonly name: string; readonly address: string }[];
  readonly sshConfigPath: string;
  readonly knownHostsPath: string;
  readonly keyPath: string;
  readonly deploymentPath: string;
  /** runs argv as root in the node over `ssh -F <config> node -- <quoted argv>` */
  runner(node: string): CommandRunner;
  /** orderly poweroff + boot of one node (pool re-imported, enabled units started) */
  restart(node: string): Promise<void>;
}

export { LabSshRunner };

/** handle for any running lab, by name */
export function labHandle(name: string): LabHandle {
  const st = readLabState(name);
  if (st === null) throw new Error(`lab "${name}" is not up`);
  return {
    name,
    nodes: st.nodes.map((n) => ({ name: n.name, address: n.address })),
    sshConfigPath: st.sshConfig,
    knownHostsPath: st.knownHosts,
    keyPath: st.keyPath,
    deploymentPath: st.deploymentPath,
    runner: (node) => new LabSshRunner(node, st.sshConfig),
    restart: async (node) => {
      await restartNode(name, node, quietLog);
    },
  };
}

const quietLog = (line: string): void => {
  if (process.env.FLOCKER_LAB_VERBOSE) process.stderr.write(`${line}\n`);
};

let shared: Promise<LabHandle> | undefined;
let broughtUp = false;
let locked = false;

function lockHolder(): number | undefined {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** exclusive use of the shared lab by this process (waits for another live holder) */
async function acquireLock(): Promise<void> {
  mkdirSync('/var/lib/flocker-lab', { recursive: true });
  const t0 = Date.now();
  let warned = false;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      locked = true;
      return;
    } catch {
      const holder = lockHolder();
      if (holder === undefined || !alive(holder)) {
        rmSync(LOCK, { force: true }); // stale: its holder is gone
        continue;
      }
      if (Date.now() - t0 > LOCK_WAIT_MS)
        throw new Error(`shared lab "${SHARED_LAB}" is held by pid ${holder} for too long`);
      if (!warned)
        console.warn(`      (waiting for pid ${holder}, which uses the shared lab "${SHARED_LAB}")`);
      warned = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function releaseLock(): void {
  if (locked && lockHolder() === process.pid) rmSync(LOCK, { force: true });
  locked = false;
}

function mustCidr(s: string): Cidr {
  const c = parseCidr(s);
  if (typeof c === 'string') throw new Error(`bad test subnet ${s}: ${c}`);
  return c;
}

/**
 * A block of 198.51.100.0/24 for test lab `lab`: `preferred` when no route of the machine and no
 * other lab overlaps it, else the first free block of the same size. A machine (a CI runner) may
 * hold routes of its own in this range; the tests take what is free instead of failing on it.
 */
export function freeTestSubnet(lab: string, preferred: string): string {
  const want = mustCidr(preferred);
  const routes = execFileSync('ip', ['-j', '-4', 'route', 'show'], { encoding: 'utf8' });
  const others: Cidr[] = [];
  for (const other of existsSync(LAB_ROOT) ? readdirSync(LAB_ROOT) : []) {
    if (other === lab || other.startsWith('.') || other.startsWith('_')) continue;
    try {
      const c = parseCidr(readLabState(other)?.subnet ?? '');
      if (typeof c !== 'string') others.push(c);
    } catch {
      // not a lab's folder
    }
  }
  const own = labNames(lab).bridge;
  const free = (c: Cidr): boolean =>
    routeConflicts(routes, c, own).filter((r) => r.dev !== 'lo').length === 0 &&
    !others.some((o) => overlaps(o, c));
  if (free(want)) return preferred;
  const size = 2 ** (32 - want.prefix);
  const base = mustCidr('198.51.100.0/24').network;
  for (let off = 0; off + size <= 256; off += size) {
    const c: Cidr = { network: (base + off) >>> 0, prefix: want.prefix };
    if (free(c)) {
      process.stderr.write(`      (test lab "${lab}": ${preferred} is taken here, using ${formatCidr(c)})\n`);
      return formatCidr(c);
    }
  }
  throw new Error(
    `no free /${want.prefix} in 198.51.100.0/24 for test lab "${lab}" (routes: ${routes.trim()})`,
  );
}

/** the address of host number `n` of a subnet (bridge = 1, first node = 2) */
export function hostAddress(subnet: string, n: number): string {
  return formatIpv4((mustCidr(subnet).network + n) >>> 0);
}

/** Bring up (once per mocha process) the 2-node lab "ftest"; a stale one is taken down first. */
export function sharedLab(): Promise<LabHandle> {
  shared ??= (async () => {
    await acquireLock();
    if (readLabState(SHARED_LAB) !== null || labIsUp(SHARED_LAB)) await labDown(SHARED_LAB, quietLog);
    broughtUp = true;
    const subnet = freeTestSubnet(SHARED_LAB, SHARED_SUBNET);
    const { seconds } = await labUp({ name: SHARED_LAB, nodes: 2, subnet }, quietLog);
    process.stderr.write(`      (shared lab "${SHARED_LAB}" up in ${seconds.toFixed(1)}s)\n`);
    return labHandle(SHARED_LAB);
  })();
  return shared;
}

/** Skip (loudly) when not root or /dev/fuse is missing; under CI=true, fail instead. */
export function requireRootAndFuse(ctx: Mocha.Context): void {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('not running as root');
  if (!existsSync('/dev/fuse')) reasons.push('/dev/fuse is missing');
  if (reasons.length === 0) return;
  const msg = `lab functional test needs root and /dev/fuse: ${reasons.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: failing instead of skipping)`);
  console.warn(`SKIPPING: ${msg}`);
  ctx.skip();
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    if (!broughtUp) {
      releaseLock();
      return;
    }
    this.timeout(120_000);
    broughtUp = false;
    shared = undefined;
    try {
      await labDown(SHARED_LAB, quietLog);
    } finally {
      releaseLock();
    }
  },
};
