// Plan description: the very plan data, rendered for people (text) or CI (JSON). Pure.
import type { Application } from '../model/application.js';
import type { Change, CheckStart, ClusterPlan, StopApplication } from '../model/changes.js';
import { changedFields, explainFieldChange } from './config-diff-text.js';
import { assertNever } from '../util/assert-never.js';
import { leaves } from './planner.js';
import { own } from '../util/own.js';
import { PLAN_FORMAT, PLAN_SCHEMA, PLAN_VERSION } from '../model/plan-schema.js';
import { shownPlan } from './shown.js';

const PHASE_TITLES = {
  check: 'check that nodes can do their part, before anything changes',
  push: 'copy volumes while their apps run',
  stop: 'stop apps and hand off volumes',
  start: 'start apps',
  routes: 'route external ports',
} as const;

/** "1 change", "3 changes" */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** bytes as people read them (binary units) */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function checkSummary(c: CheckStart): string {
  const parts: string[] = [];
  if (c.images.length)
    parts.push(
      `dockerd answers, image${c.images.length > 1 ? 's' : ''} ${c.images.join(', ')} here (pulled if missing)`,
    );
  if (c.volumes.length)
    parts.push(
      `pool healthy with room for ${c.volumes.map((v) => `volume ${v.name} (${formatBytes(v.bytes)})`).join(', ')}`,
    );
  const ports = [
    ...c.app_ports,
    ...c.route_ports,
    ...[...(c.udp_app_ports ?? []), ...(c.udp_route_ports ?? [])].map((p) => `${p}/udp`),
  ];
  if (ports.length)
    parts.push(`port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} not taken by other programs`);
  return parts.join('; ');
}

function appSummary(a: Application): string {
  const parts = [`image ${a.image}`];
  if (a.ports.length)
    parts.push(
      `ports ${a.ports.map((p) => `${p.host_ip !== undefined ? `${p.host_ip}:` : ''}${p.external}->${p.internal}${p.protocol === 'udp' ? '/udp' : ''}`).join(',')}`,
    );
  if (a.volume)
    parts.push(
      a.volume.mounts === undefined
        ? `volume at ${a.volume.mountpoint}`
        : `volumes at ${a.volume.mounts.map((m) => m.mountpoint).join(', ')}`,
    );
  if (a.links.length)
    parts.push(`links ${a.links.map((l) => `${l.alias}:${l.local_port}->${l.remote_port}`).join(',')}`);
  const env = Object.keys(a.environment);
  if (env.length) parts.push(`env ${env.join(',')}`);
  if (a.mem_limit !== undefined) parts.push(`mem ${a.mem_limit}`);
  if (a.cpu_shares !== undefined) parts.push(`cpu-shares ${a.cpu_shares}`);
  if (a.restart_policy.name !== 'never') parts.push(`restart ${a.restart_policy.name}`);
  return parts.join('; ');
}

/** volume name -> bytes (the sender's `referenced`), shown beside each move of the plan */
export type VolumeSizes = Readonly<Record<string, number>>;

const sized = (name: string, sizes: VolumeSizes | undefined): string => {
  const n = sizes?.[name];
  return n === undefined ? name : `${name} (${formatBytes(n)})`;
};

function stopReason(c: StopApplication): string {
  switch (c.reason) {
    case 'removed':
      return `removed from the config${c.volume_kept ? '; volume kept' : ''}`;
    case 'moved':
      return `moving to another node${c.config_diff?.length ? '; its configuration changed' : ''}`;
    case 'changed':
      return 'its configuration changed';
    default:
      return assertNever(c.reason);
  }
}

/** One line for one leaf change (`sizes`: the moving volumes' sizes, when known). */
export function describeChange(c: Change, sizes?: VolumeSizes): string {
  switch (c.kind) {
    case 'check-start':
      return `check: ${checkSummary(c)}`;
    case 'start-application':
      return `start ${c.application.name} (${appSummary(c.application)})`;
    case 'stop-application':
      return `stop ${c.name} (${stopReason(c)}${c.config_diff?.length ? `: ${changedFields(c.config_diff)}` : ''})`;
    case 'create-volume':
      return `create volume ${c.name}`;
    case 'set-volume-quota':
      return c.bytes === undefined
        ? `remove the maximum size of volume ${c.name}`
        : `set the maximum size of volume ${c.name} to ${formatBytes(c.bytes)} (no restart)`;
    case 'push-volume':
      return `copy volume ${sized(c.name, sizes)} to ${c.to} (${c.to_address}) while it runs`;
    case 'handoff-volume':
      return `hand off volume ${sized(c.name, sizes)} to ${c.to} (${c.to_address}): final copy, then ${c.to} owns it`;
    case 'resume-handoff':
      return `resume the handoff of volume ${sized(c.name, sizes)} to ${c.to} (${c.to_address}) where it stopped`;
    case 'cancel-handoff':
      return `cancel the handoff of volume ${c.name} to ${c.to}: own it again here (unless ${c.to} owns it already)`;
    case 'promote-volume':
      return `promote the newest copy of volume ${c.name} to owner at epoch ${c.epoch} (${c.forgotten} forgotten)`;
    case 'wait-for-volume':
      return `check volume ${c.name} arrived from ${c.from}`;
    case 'set-proxies':
      return c.routes.length
        ? `set routes: ${c.routes.map((r) => `:${r.port}${r.protocol === 'udp' ? '/udp' : ''} -> ${r.target_address}:${r.target_port}`).join(', ')}`
        : 'remove all routes';
    case 'sequentially':
    case 'in-parallel':
      return `${c.kind} (${plural(c.changes.length, 'change')})`;
    default:
      return assertNever(c);
  }
}

function treeLines(c: Change, indent: string, sizes?: VolumeSizes): string[] {
  if (c.kind === 'sequentially' || c.kind === 'in-parallel') {
    if (c.changes.length === 1) return treeLines(c.changes[0]!, indent, sizes);
    const head = c.kind === 'in-parallel' ? 'in parallel:' : 'in order:';
    return [`${indent}${head}`, ...c.changes.flatMap((x) => treeLines(x, `${indent}  `, sizes))];
  }
  if (c.kind === 'stop-application' && c.config_diff?.length)
    // the plan explains itself: every changed field, before → after (never a secret value)
    return [
      `${indent}- stop ${c.name} (${stopReason(c)}):`,
      ...c.config_diff.map((d) => `${indent}    ${explainFieldChange(d)}`),
    ];
  return [`${indent}- ${describeChange(c, sizes)}`];
}

export function countChanges(p: ClusterPlan): number {
  return p.phases.reduce((n, ph) => n + Object.values(ph.nodes).reduce((m, c) => m + leaves(c).length, 0), 0);
}

/** Human text grouped by phase then node; addresses from the resolved node map. */
export function describePlan(
  p: ClusterPlan,
  addresses: Readonly<Record<string, string>>,
  sizes?: VolumeSizes,
): string {
  const n = countChanges(p);
  if (n === 0) return 'Nothing to do: every node already matches the configuration.\n';
  const nodes = new Set(p.phases.flatMap((ph) => Object.keys(ph.nodes)));
  const lines = [`Plan: ${plural(n, 'change')} on ${plural(nodes.size, 'node')}`];
  p.phases.forEach((ph, i) => {
    lines.push('', `Phase ${i + 1}/${p.phases.length}: ${ph.phase} — ${PHASE_TITLES[ph.phase]}`);
    for (const node of Object.keys(ph.nodes).sort()) {
      lines.push(`  ${node} (${own(addresses, node) ?? '?'})`);
      lines.push(...treeLines(own(ph.nodes, node)!, '    ', sizes));
    }
  });
  return `${lines.join('\n')}\n`;
}

/** The JSON document of --dry-run --json: stable, versioned, the plan data itself. */
export function planDocument(
  p: ClusterPlan,
  addresses: Readonly<Record<string, string>>,
  sizes: VolumeSizes = {},
) {
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    schema: PLAN_SCHEMA,
    nodes: Object.fromEntries(
      Object.keys(addresses)
        .sort()
        .map((n) => [n, { address: own(addresses, n) }]),
    ),
    changes: countChanges(p),
    /** each volume the plan moves: its size in bytes (the sender's zfs `referenced`) */
    volumes: Object.fromEntries(
      Object.keys(sizes)
        .sort()
        .map((n) => [n, { bytes: own(sizes, n)! }]),
    ),
    /** the plan's phases; secret values are shown as their names only (shown.ts) */
    phases: shownPlan(p).phases,
  };
}
