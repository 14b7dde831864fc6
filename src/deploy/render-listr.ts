// The terminal renderer: a listr2 task list that is a view of the driver's events. Each task
// waits for the events of its step (resolves on done, fails on failed); the phases' subtasks
// come from the plan event; node events become the running phase's output line. The driver
// runs on its own and never waits for this view.
import type { ClusterPlan, PhaseName } from '../model/changes.js';
import type { DeployEvent, StepName } from '../model/events.js';
import { countChanges, describePlan, plural } from '../plan/describe.js';
import { formatEvent } from './event-text.js';
import { assertNever } from '../util/assert-never.js';
import type { Renderer } from './renderer.js';

/** A promise settled from outside: by an event, or by end(). */
class Deferred<T> {
  readonly promise: Promise<T>;
  resolve: (v: T) => void = () => undefined;
  reject: (e: unknown) => void = () => undefined;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => undefined); // a task that never runs does not await it
  }
}

interface Planned {
  readonly plan: ClusterPlan;
  readonly addresses: Readonly<Record<string, string>>;
  readonly volumes?: Readonly<Record<string, number>>;
}

const failed = (message: string): Error => new Error(message);

export async function listrRenderer(opts: { readonly dryRun: boolean }): Promise<Renderer> {
  const { Listr } = await import('listr2'); // only on a terminal: keeps CI and --json start-up lean
  const steps = new Map<StepName, Deferred<void>>(
    (['connect', 'lock', 'build images', 'gather state', 'node-to-node trust'] as const).map((s) => [
      s,
      new Deferred<void>(),
    ]),
  );
  const step = (s: StepName): Deferred<void> => steps.get(s)!;
  const planned = new Deferred<Planned>();
  /** the first event of the apply part: true when it is the trust step */
  const applyBegins = new Deferred<boolean>();
  const phases = new Map<PhaseName, Deferred<void>>();
  const phaseTasks = new Map<PhaseName, { output: string }>();
  const lastLine = new Map<PhaseName, string>();
  let plan: ClusterPlan = { phases: [] };
  let run: Promise<unknown> | undefined;

  const phaseTask = (ph: ClusterPlan['phases'][number]) => ({
    title: `Phase ${ph.phase} on ${Object.keys(ph.nodes).sort().join(', ')}`,
    task: (_ctx: unknown, t: { output: string }) => {
      phaseTasks.set(ph.phase, t);
      const line = lastLine.get(ph.phase);
      if (line !== undefined) t.output = line;
      return phases.get(ph.phase)!.promise;
    },
  });

  const agentLines: string[] = [];
  let agentTask: { output: string } | undefined;
  const showAgent = (task: { output: string }): void => {
    agentTask = task;
    if (agentLines.length) task.output = agentLines.join('\n');
  };
  const agentLine = (line: string): void => {
    agentLines.push(line);
    if (agentTask) agentTask.output = line; // persistent output: lines add up
  };
  const buildLines: string[] = [];
  let gatherTask: { output: string } | undefined;
  const showBuild = (line?: string): void => {
    if (line !== undefined) buildLines.push(line);
    if (gatherTask && buildLines.length) gatherTask.output = buildLines.at(-1)!; // lines add up
  };
  const start = (nodes: readonly string[]): Promise<unknown> =>
    new Listr(
      [
        { title: `Connect to ${nodes.join(', ')}`, task: () => step('connect').promise },
        {
          title: 'Take the deploy lock of every node',
          enabled: () => !opts.dryRun,
          task: (_ctx, task) => {
            showAgent(task); // the first node command: the node agent is checked (installed) here
            return step('lock').promise;
          },
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
        },
        {
          title: 'Gather state from every node',
          task: (_ctx, task) => {
            if (opts.dryRun) showAgent(task);
            gatherTask = task;
            for (const l of buildLines.splice(0)) showBuild(l);
            return step('gather state').promise;
          },
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
        },
        {
          title: 'Plan',
          task: async (_ctx, task) => {
            const p = await planned.promise;
            task.title = `Plan: ${plural(countChanges(p.plan), 'change')}`;
            // shown (and kept) under the task before anything changes
            task.output = describePlan(p.plan, p.addresses, p.volumes).trimEnd();
          },
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
        },
        {
          title: 'Apply',
          enabled: () => !opts.dryRun && plan.phases.length > 0,
          task: async (_ctx, task) => {
            const withTrust = await applyBegins.promise;
            return task.newListr([
              {
                title: 'Node-to-node trust for volume transfers',
                enabled: withTrust,
                task: () => step('node-to-node trust').promise,
              },
              ...plan.phases.map(phaseTask),
            ]);
          },
        },
      ],
      // Ctrl-C is the CLI's (exit 130, sessions closed), not listr2's (it would exit 127)
      { rendererOptions: { collapseSubtasks: false }, registerSignalListeners: false },
    ).run();

  const onEvent = (e: DeployEvent): void => {
    switch (e.type) {
      case 'step-start':
        if (e.step === 'node-to-node trust') applyBegins.resolve(true);
        // issue 13 item 1: builds on nodes run after the lock, shown under the gather task
        if (e.step === 'build images')
          showBuild(`building images on ${e.nodes.join(', ')} (no docker on this machine)`);
        return;
      case 'step-done':
        return step(e.step).resolve();
      case 'step-failed':
        return step(e.step).reject(failed(e.error.message));
      case 'plan':
        plan = e.plan;
        for (const ph of e.plan.phases) phases.set(ph.phase, new Deferred<void>());
        return planned.resolve(e);
      case 'phase-start':
        return applyBegins.resolve(false);
      case 'phase-done':
        return phases.get(e.phase)?.resolve();
      case 'phase-failed':
        return phases.get(e.phase)?.reject(failed(e.error.message));
      case 'change-start':
      case 'change-done':
      case 'change-failed':
      case 'transfer-progress': {
        const line = formatEvent(e)!;
        lastLine.set(e.phase, line);
        const t = phaseTasks.get(e.phase);
        if (t) t.output = line;
        return;
      }
      case 'image-progress':
      case 'image-shipped': {
        // issue 13 item 1: sent before the first phase, shown under it until its changes start
        const first = plan.phases[0]?.phase;
        if (first === undefined) return;
        const line = formatEvent(e)!;
        lastLine.set(first, line);
        const t = phaseTasks.get(first);
        if (t) t.output = line;
        return;
      }
      case 'image-built':
        // a build here is shown with the node agent lines, one on a node under the gather task
        return e.node !== undefined ? showBuild(formatEvent(e)!) : agentLine(formatEvent(e)!);
      case 'agent-installed':
        return agentLine(formatEvent(e)!);
      case 'audit':
      case 'finished':
        return;
      default:
        return assertNever(e);
    }
  };

  return {
    emit(e) {
      // a build runs before the nodes are known (issue 13): its line waits for the first task
      if (!run && e.type !== 'image-built') {
        run = start(e.type === 'step-start' ? e.nodes : []);
        run.catch(() => undefined); // the driver's error is the one reported
      }
      onEvent(e);
    },
    async end(failure) {
      // settle whatever is still waiting (a failure outside any step, or tasks never reached)
      // (all a successful deploy's tasks have their events by now: rejecting the rest is moot)
      const pending: { reject: (e: unknown) => void }[] = [
        ...steps.values(),
        planned,
        applyBegins,
        ...phases.values(),
      ];
      for (const d of pending) d.reject(failure ?? new Error('the deploy ended'));
      await run?.catch(() => undefined);
    },
  };
}
