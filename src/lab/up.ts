// Effects: flocker-lab up.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { FlockerError } from '../errors.js';
import { buildBusyboxTar, IMAGE } from './image.js';
import { LabError, inNode, must, run, secs, step, stderrLog, type Log } from './host.js';
import { LAB_ROOT, labNames, nodeNames } from './names.js';
import { allocateAddresses, formatCidr, overlaps, parseCidr, routeConflicts } from './net.js';
import { bootNode, prepareNodeRoot, setupNodeNetwork, waitNodeBooted } from './node.js';
import { ensurePackages } from './packages.js';
import { ensureRootfs } from './rootfs.js';
import { projectRoot } from './project.js';
import { POOL, POOL_FILE, renderDeployment, renderKnownHosts, renderSshConfig } from './render.js';
import { readLabState, writeLabState } from './state.js';
import { IPTABLES, forwardRuleSpec, labDown, labIsUp } from './down.js';
import type { UpOptions } from './options.js';
import type { LabNodeState, LabState } from './types.js';
import { listDir } from './host.js';
import { sshKeygenArgv } from '../exec/keygen.js';

export class LabUsageError extends FlockerError {
  constructor(message: string) {
    super(message, 'E_LAB_USAGE', 'user');
  }
}

async function checkPreconditions(): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabUsageError('flocker-lab must run as root');
  if (!existsSync('/dev/fuse')) throw new LabError('/dev/fuse is missing (zfs-fuse needs it)');
}

async function checkSubnet(opts: UpOptions, bridge: string): Promise<void> {
  const r = await must('host', 'list routes', ['ip', '-j', '-4', 'route', 'show']);
  const conflicts = routeConflicts(r.stdout, opts.subnet, bridge).filter(
    (c) => !c.dst.startsWith('127.') && c.dev !== 'lo',
  );
  if (conflicts.length > 0)
    throw new LabUsageError(
      `--subnet ${formatCidr(opts.subnet)} overlaps existing route(s): ${conflicts.map((c) => `${c.dst} dev ${c.dev}`).join(', ')}; choose another with --subnet`,
    );
  for (const other of listDir(LAB_ROOT)) {
    if (other === opts.name) continue;
    let st: LabState | null;
    try {
      st = readLabState(other);
    } catch {
      continue;
    }
    const c = st === null ? undefined : parseCidr(st.subnet);
    if (c !== undefined && typeof c !== 'string' && overlaps(c, opts.subnet))
      throw new LabUsageError(
        `--subnet ${formatCidr(opts.subnet)} overlaps lab "${other}" (${st?.subnet}); choose another with --subnet`,
      );
  }
}

export interface UpResult {
  readonly state: LabState;
  readonly seconds: number;
}

export async function labUp(opts: UpOptions, log: Log = stderrLog): Promise<UpResult> {
  const t0 = performance.now();
  await checkPreconditions();
  const names = labNames(opts.name);
  if (labIsUp(opts.name))
    throw new LabError(
      `lab "${opts.name}" is already up (ssh -F ${names.sshConfig} n1); run flocker-lab down --name ${opts.name} first`,
      'E_LAB_UP',
    );
  await ensurePackages(log);
  const lower = opts.bare ? await ensureRootfs(log) : '/';
  if (existsSync(names.stateDir) || (await run(['ip', 'link', 'show', names.bridge])).code === 0) {
    log(`[flocker-lab] removing stale state of lab "${opts.name}"`);
    await labDown(opts.name, log);
  }
  await checkSubnet(opts, names.bridge);
  const alloc = allocateAddresses(opts.subnet, opts.nodes);
  if (typeof alloc === 'string') throw new LabUsageError(alloc);

  mkdirSync(names.sshDir, { recursive: true, mode: 0o700 });
  mkdirSync(names.imagesDir, { recursive: true });
  const state: LabState = {
    version: 1,
    name: opts.name,
    subnet: formatCidr(opts.subnet),
    prefix: alloc.prefix,
    bridge: names.bridge,
    bridgeAddress: alloc.bridge,
    comment: names.comment,
    poolSize: opts.poolSize,
    projectRoot: projectRoot(),
    ...(opts.bare ? { bare: true, lower } : {}),
    stateDir: names.stateDir,
    sshConfig: names.sshConfig,
    keyPath: names.keyPath,
    knownHosts: names.knownHosts,
    deploymentPath: names.deploymentPath,
    createdAt: new Date().toISOString(),
    forwardRules: [],
    nodes: [],
  };
  writeLabState(state);
  try {
    const [, tar] = await Promise.all([
      step(log, 'lab ssh key', () =>
        must('host', 'ssh-keygen', sshKeygenArgv(names.keyPath, `flocker-lab:${opts.name}`)),
      ),
      step(log, 'busybox image tarball', () => buildBusyboxTar(names.imagesDir)),
      step(log, `bridge ${names.bridge} ${alloc.bridge}/${alloc.prefix} + FORWARD rule`, () =>
        hostNetwork(state),
      ),
    ]);
    const pub = readFileSync(`${names.keyPath}.pub`, 'utf8');
    const render = alloc.nodes.map((address, i) => ({ name: `n${i + 1}`, address }));
    await step(log, `prepare ${opts.nodes} node roots`, () =>
      Promise.all(
        render.map(async (r, i) => {
          const n = nodeNames(opts.name, i + 1);
          const hostKey = await prepareNodeRoot(
            opts.name,
            i + 1,
            render,
            alloc.bridge,
            pub,
            opts.poolSize,
            lower,
          );
          await setupNodeNetwork(opts.name, i + 1, names.bridge, r.address, alloc.prefix);
          const node: LabNodeState = {
            name: r.name,
            index: i + 1,
            address: r.address,
            machine: n.machine,
            netns: n.netns,
            veth: n.veth,
            hostKey,
            dir: n.dir,
            root: n.root,
            nspawnPid: 0,
            cgroups: [],
          };
          return node;
        }),
      ).then((nodes) => {
        state.nodes.push(...nodes);
        writeLabState(state);
      }),
    );
    writeFileSync(names.knownHosts, renderKnownHosts(state.nodes), { mode: 0o644 });
    writeFileSync(names.sshConfig, renderSshConfig(state.nodes, names), { mode: 0o644 });
    writeFileSync(names.deploymentPath, renderDeployment(state.nodes));

    for (const node of state.nodes) bootNode(state, node);
    writeLabState(state);
    const tar2 = readFileSync(tar);
    await Promise.all(
      state.nodes.map(async (node) => {
        const tb = performance.now();
        const leader = await waitNodeBooted(state, node);
        log(
          `[flocker-lab] ${node.name}: booted, systemd running, sshd/docker/zfs-fuse active ... ok (${secs(tb)})`,
        );
        await step(log, `${node.name}: zpool create ${POOL}`, () =>
          must(
            node.name,
            'zpool create',
            inNode(leader, ['zpool', 'create', '-m', `/${POOL}`, POOL, POOL_FILE]),
          ),
        );
        await step(log, `${node.name}: docker import ${IMAGE}`, () =>
          must(
            node.name,
            'docker import',
            inNode(leader, ['docker', 'import', '-c', 'CMD ["/bin/sh"]', '-', IMAGE]),
            { stdin: tar2 },
          ),
        );
        await step(log, `${node.name}: ssh (strict host key)`, () => sshCheck(state, node.name));
      }),
    );
  } catch (e) {
    log(`[flocker-lab] up failed; cleaning up lab "${opts.name}"`);
    await labDown(opts.name, () => undefined).catch(() => undefined);
    throw e;
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`[flocker-lab] lab "${opts.name}" up: ${opts.nodes} nodes in ${seconds.toFixed(2)}s`);
  return { state, seconds };
}

async function hostNetwork(state: LabState): Promise<void> {
  const br = state.bridge;
  await must('host', 'create bridge', ['ip', 'link', 'add', br, 'type', 'bridge']);
  await must('host', 'bridge address', [
    'ip',
    'addr',
    'add',
    `${state.bridgeAddress}/${state.prefix}`,
    'dev',
    br,
  ]);
  await must('host', 'bridge up', ['ip', 'link', 'set', br, 'up']);
  // br_netfilter: bridged node<->node traffic crosses the host FORWARD chain (policy may be DROP)
  for (const ipt of IPTABLES) {
    const probe = await run([ipt, '-S', 'FORWARD']);
    if (probe.code !== 0) continue;
    await must('host', `${ipt} FORWARD rule`, [
      ipt,
      '-I',
      'FORWARD',
      '1',
      ...forwardRuleSpec(br, state.comment),
    ]);
    state.forwardRules.push(ipt);
  }
  writeLabState(state);
}

export async function sshCheck(state: LabState, node: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 40; i++) {
    const r = await run(['ssh', '-F', state.sshConfig, '-o', 'BatchMode=yes', node, 'true'], {
      timeoutMs: 10_000,
    });
    if (r.code === 0) return;
    last = r.stderr;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new LabError(`${node}: ssh check failed: ssh -F ${state.sshConfig} ${node} true\n${last.trim()}`);
}

export function usageText(state: LabState): string {
  return [
    `lab "${state.name}": ${state.nodes.map((n) => `${n.name}=${n.address}`).join(' ')}  (bridge ${state.bridge} ${state.bridgeAddress})`,
    `  ssh:        ssh -F ${state.sshConfig} n1   (or: flocker-lab ssh${state.name === 'flab' ? '' : ` --name ${state.name}`} n1)`,
    `  key:        ${state.keyPath}`,
    `  known_hosts:${' '}${state.knownHosts}`,
    `  deployment: ${state.deploymentPath}`,
    `  down:       flocker-lab down${state.name === 'flab' ? '' : ` --name ${state.name}`}`,
    '',
  ].join('\n');
}
