// The one deploy driver: connect, gather state, plan, [trust], the phases in order (the next
// phase's node processes started ahead), audit. It emits typed events and nothing else; every
// renderer (plain lines, NDJSON, listr2) is a view of these events.
import { errorData } from '../errors.js';
import type { ClusterPlan } from '../model/changes.js';
import type { DeployEvent, Emit, StepName } from '../model/events.js';
import { DeploySession } from './session.js';
import { startWaves } from '../plan/start-waves.js';
import { withTransferProgress } from './transfer-progress.js';
import type { SessionOptions } from './session.js';
import { pinImages, shipImages } from './images.js';
import type { ImageOptions, LocalDocker } from './images.js';
import { buildOnNodes, builderNodes } from './node-build.js';

export interface DeployOptions extends SessionOptions {
  readonly dryRun: boolean;
  /** issue 13 item 1: builds and shipped images (absent: images are the nodes' to pull) */
  readonly images?: ImageOptions;
  readonly emit: Emit<DeployEvent>;
}

export interface DeployResult {
  readonly plan: ClusterPlan;
  readonly addresses: Readonly<Record<string, string>>;
  readonly applied: boolean;
}

async function step<T>(
  emit: Emit<DeployEvent>,
  name: StepName,
  nodes: readonly string[],
  fn: () => Promise<T>,
) {
  const t0 = Date.now();
  emit({ type: 'step-start', step: name, nodes });
  try {
    const r = await fn();
    emit({ type: 'step-done', step: name, ms: Date.now() - t0 });
    return r;
  } catch (e) {
    emit({ type: 'step-failed', step: name, error: errorData(e) });
    throw e;
  }
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { emit } = opts;
  // issue 13 item 1: builds run first, here (a dry run builds too: the plan then says truly
  // whether a changed build restarts its app; nothing is sent to any node)
  let desired = opts.images ? await pinImages(opts.desired, opts.images, emit) : opts.desired;
  let builtOn: ReadonlyMap<string, LocalDocker> = new Map();
  const s = new DeploySession({
    ...opts,
    desired,
    onAgentInstalled: (i) => {
      emit({ type: 'agent-installed', ...i });
      opts.onAgentInstalled?.(i);
    },
  });
  const progress = withTransferProgress(emit);
  const finish = (applied: boolean): DeployResult => {
    emit({ type: 'finished', applied });
    return { plan: s.plan, addresses: s.addresses, applied };
  };
  const audit = async (failure: unknown) =>
    emit({ type: 'audit', nodes: s.nodes, result: await s.writeAudit(failure) });
  try {
    await step(emit, 'connect', s.nodes, () => s.connect());
    // a dry run changes nothing and takes no lock (it may run while a deploy does)
    if (!opts.dryRun) await step(emit, 'lock', s.nodes, () => s.lock());
    // no docker here: each build runs on a node that runs the app (a dry run builds too, so
    // that its plan is the one that would run; the image is recorded there for prune)
    const builders = [...new Set(builderNodes(desired).values())].sort();
    if (builders.length) {
      const unbuilt = desired;
      const built = await step(emit, 'build images', builders, () =>
        buildOnNodes(unbuilt, (n) => s.connection(n), emit),
      );
      desired = built.desired;
      builtOn = built.builtOn;
      s.pin(desired);
    }
    await step(emit, 'gather state', s.nodes, () => s.gather());
    const p = s.computePlan();
    emit({ type: 'plan', plan: p, addresses: s.addresses, volumes: s.movingVolumeSizes() });
    if (opts.dryRun) return finish(false);
    if (p.phases.length === 0) {
      let failure: unknown;
      await s.remember(true).catch((e: unknown) => (failure = e)); // the node list may have changed
      await audit(failure); // a no-op deploy is recorded too
      if (failure) throw failure;
      return finish(false);
    }
    let failure: unknown;
    try {
      const runPhase = async (i: number): Promise<void> => {
        const ph = p.phases[i]!;
        const participants = Object.keys(ph.nodes).sort();
        const next = p.phases[i + 1];
        if (next) s.prestart(next.phase, Object.keys(next.nodes).sort());
        const t0 = Date.now();
        emit({ type: 'phase-start', phase: ph.phase, nodes: participants });
        try {
          // depends_on across nodes: a node starts after the nodes starting what its apps need
          const waves = ph.phase === 'start' ? startWaves(ph.nodes) : [participants];
          for (const wave of waves) await s.runPhase(ph.phase, wave, progress);
        } catch (e) {
          emit({ type: 'phase-failed', phase: ph.phase, error: errorData(e) });
          throw e;
        }
        emit({ type: 'phase-done', phase: ph.phase, ms: Date.now() - t0 });
      };
      // the check phase changes nothing, so it runs before node-to-node trust writes any file
      // issue 13 item 1: images go to the nodes that lack them before anything is stopped
      if (opts.images) await shipImages(desired, s, opts.images.docker, emit, Date.now, builtOn);
      let first = 0;
      if (p.phases[0]?.phase === 'check') await runPhase(first++);
      if (s.needsTrust()) await step(emit, 'node-to-node trust', s.nodes, () => s.setUpTrust());
      for (let i = first; i < p.phases.length; i++) await runPhase(i);
      // the cluster as it now is: what the next deploy refuses to lose track of
      await s.remember();
    } catch (e) {
      failure = e;
    }
    s.cancelPrestarted();
    await audit(failure); // also after a failed phase: what did change is on record
    if (failure) throw failure;
    return finish(true);
  } finally {
    await s.unlock();
    s.close();
  }
}
