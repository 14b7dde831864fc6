// A scripted deploy, as the driver's events: a start phase on n1 and a routes phase on n2, ending
// either applied or with n1 failing to start web. Shared by the renderer tests.
import { toApplication } from '../../src/model/canonical.js';
import { sequentially } from '../../src/model/changes.js';
import { configDiff } from '../../src/plan/config-diff.js';
import type { ClusterPlan } from '../../src/model/changes.js';
import type { DeployEvent, LeafChange, TransferProgress } from '../../src/model/events.js';

export const web = toApplication('web', {
  image: 'busybox',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
});
export const createWeb: LeafChange = { kind: 'create-volume', name: 'web' };
export const startWeb: LeafChange = { kind: 'start-application', application: web, link_environment: {} };
export const routeWeb: LeafChange = {
  kind: 'set-proxies',
  routes: [{ port: 8080, target_address: '198.51.100.2', target_port: 8080 }],
};
export const plan: ClusterPlan = {
  phases: [
    { phase: 'start', nodes: { n1: sequentially([createWeb, startWeb]) } },
    { phase: 'routes', nodes: { n2: routeWeb } },
  ],
};
export const addresses = { n1: '198.51.100.2', n2: '198.51.100.3' };

export const START_FAILURE =
  'n1: changestate failed in phase start: flocker-changestate apply (exit 1)\n' +
  'start web (image busybox:latest; ports 8080->80; volume at /data): docker: pull access denied for busybox';

const connected: DeployEvent[] = [
  { type: 'step-start', step: 'connect', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'connect', ms: 120 },
];
const planned: DeployEvent[] = [
  { type: 'step-start', step: 'gather state', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'gather state', ms: 450 },
  { type: 'plan', plan, addresses },
];
const upToPlan: DeployEvent[] = [
  ...connected,
  { type: 'step-start', step: 'lock', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'lock', ms: 30 },
  ...planned,
];

const upToStart: DeployEvent[] = [
  ...upToPlan,
  { type: 'phase-start', phase: 'start', nodes: ['n1'] },
  { type: 'change-start', node: 'n1', phase: 'start', change: createWeb },
  { type: 'change-done', node: 'n1', phase: 'start', change: createWeb, ms: 30 },
  { type: 'change-start', node: 'n1', phase: 'start', change: startWeb },
];

export const applied: DeployEvent[] = [
  ...upToStart,
  { type: 'change-done', node: 'n1', phase: 'start', change: startWeb, ms: 1500 },
  { type: 'phase-done', phase: 'start', ms: 1600 },
  { type: 'phase-start', phase: 'routes', nodes: ['n2'] },
  { type: 'change-start', node: 'n2', phase: 'routes', change: routeWeb },
  { type: 'change-done', node: 'n2', phase: 'routes', change: routeWeb, ms: 40 },
  { type: 'phase-done', phase: 'routes', ms: 50 },
  { type: 'audit', nodes: ['n1', 'n2'], result: 'ok' },
  { type: 'finished', applied: true },
];

export const failedStart: DeployEvent[] = [
  ...upToStart,
  {
    type: 'change-failed',
    node: 'n1',
    phase: 'start',
    change: startWeb,
    error: { code: 'E_APP_START', message: 'docker: pull access denied for busybox' },
  },
  { type: 'phase-failed', phase: 'start', error: { code: 'E_NODE_COMMAND', message: START_FAILURE } },
  { type: 'audit', nodes: ['n1', 'n2'], result: `failed: ${START_FAILURE.split('\n')[0]!}` },
];

/** a dry run takes no lock */
export const dryRun: DeployEvent[] = [...connected, ...planned, { type: 'finished', applied: false }];

/** applied, with node-to-node trust set up before the phases (volumes move) */
export const withTrust: DeployEvent[] = [
  ...applied.slice(0, upToPlan.length),
  { type: 'step-start', step: 'node-to-node trust', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'node-to-node trust', ms: 300 },
  ...applied.slice(upToPlan.length),
];

/** A volume copy from n1 to n2 with its stream's progress (as the driver reckons it). */
export const pushWeb: LeafChange = { kind: 'push-volume', name: 'web', to: 'n2', to_address: '198.51.100.3' };
export const movePlan: ClusterPlan = { phases: [{ phase: 'push', nodes: { n1: pushWeb } }] };
const MiB = 1024 * 1024;
export const progress = (seconds: number, mib: number, rate?: number, eta?: number): TransferProgress => ({
  type: 'transfer-progress',
  node: 'n1',
  phase: 'push',
  change: pushWeb,
  bytes: mib * MiB,
  total: 500 * MiB,
  ...(rate !== undefined ? { rate: rate * MiB } : {}),
  ...(eta !== undefined ? { eta } : {}),
  ms: seconds * 1000,
});
export const moving: DeployEvent[] = [
  ...connected,
  { type: 'step-start', step: 'lock', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'lock', ms: 30 },
  { type: 'step-start', step: 'gather state', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'gather state', ms: 450 },
  { type: 'plan', plan: movePlan, addresses, volumes: { web: 500 * MiB } },
  { type: 'phase-start', phase: 'push', nodes: ['n1'] },
  { type: 'change-start', node: 'n1', phase: 'push', change: pushWeb },
  progress(0.5, 0),
  progress(1, 31, 62),
  progress(5, 312, 62, 3),
  {
    type: 'change-done',
    node: 'n1',
    phase: 'push',
    change: pushWeb,
    ms: 8100,
    detail: { snapshot: 's1', incremental: false, bytes: 500 * MiB, seconds: 8.1 },
  },
  { type: 'phase-done', phase: 'push', ms: 8200 },
  { type: 'audit', nodes: ['n1', 'n2'], result: 'ok' },
  { type: 'finished', applied: true },
];

/** the first node command (the lock) found no agent on n1 and another version on n2 */
export const agentInstalled: DeployEvent = {
  type: 'agent-installed',
  node: 'n1',
  version: '0.1.0-1a2b3c4d5e6f',
  action: 'installed',
  ms: 210,
};
export const agentUpdated: DeployEvent = {
  type: 'agent-installed',
  node: 'n2',
  version: '0.1.0-1a2b3c4d5e6f',
  action: 'updated',
  previous: '0.1.0-0f0f0f0f0f0f',
  ms: 190,
};
export const withAgent: DeployEvent[] = [
  ...connected,
  { type: 'step-start', step: 'lock', nodes: ['n1', 'n2'] },
  agentInstalled,
  agentUpdated,
  ...applied.slice(connected.length + 1),
];

/**
 * A restart because the config changed (the new start fails), with secret environment values (each `sekrit-…`): the
 * old value changed, a key added, one removed. No renderer may print any of these values.
 */
export const SECRETS = ['sekrit-old-1', 'sekrit-new-2', 'sekrit-added-3', 'sekrit-removed-4'] as const;
export const oldApi = toApplication('api', {
  image: 'registry.example.com/api:1',
  ports: [{ internal: 8000, external: 8000 }],
  environment: { DB_PASSWORD: SECRETS[0], OLD_TOKEN: SECRETS[3], LOG: 'info' },
});
export const newApi = toApplication('api', {
  image: 'registry.example.com/api:2',
  ports: [{ internal: 8000, external: 8000, host_ip: '127.0.0.1' }],
  environment: { DB_PASSWORD: SECRETS[1], NEW_KEY: SECRETS[2], LOG: 'info' },
  command: ['serve', '--workers', '4'],
  restart_policy: { name: 'on-failure', maximum_retry_count: 3 },
});
export const stopApi: LeafChange = {
  kind: 'stop-application',
  name: 'api',
  reason: 'changed',
  config_diff: configDiff(oldApi, newApi),
};
export const startApi: LeafChange = { kind: 'start-application', application: newApi, link_environment: {} };
export const restartPlan: ClusterPlan = {
  phases: [
    { phase: 'stop', nodes: { n1: stopApi } },
    { phase: 'start', nodes: { n1: startApi } },
  ],
};
export const restarting: DeployEvent[] = [
  ...connected,
  { type: 'step-start', step: 'lock', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'lock', ms: 30 },
  { type: 'step-start', step: 'gather state', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'gather state', ms: 450 },
  { type: 'plan', plan: restartPlan, addresses },
  { type: 'phase-start', phase: 'stop', nodes: ['n1'] },
  { type: 'change-start', node: 'n1', phase: 'stop', change: stopApi },
  { type: 'change-done', node: 'n1', phase: 'stop', change: stopApi, ms: 300 },
  { type: 'phase-done', phase: 'stop', ms: 310 },
  { type: 'phase-start', phase: 'start', nodes: ['n1'] },
  { type: 'change-start', node: 'n1', phase: 'start', change: startApi },
  {
    type: 'change-failed',
    node: 'n1',
    phase: 'start',
    change: startApi,
    error: { code: 'E_APP_START', message: 'docker: pull access denied for registry.example.com/api' },
  },
  {
    type: 'phase-failed',
    phase: 'start',
    error: { code: 'E_NODE_COMMAND', message: 'n1: start api failed' },
  },
  { type: 'audit', nodes: ['n1', 'n2'], result: 'failed: n1: start api failed' },
];

// issue 13 item 1: a compose build built here, then sent to n1 (it lacked only the top layer)
const ID = `sha256:${'3f'.repeat(32)}`;
export const imageBuilt: DeployEvent = {
  type: 'image-built',
  app: 'web',
  image: 'flocker-build/shop-web:latest',
  image_id: ID,
  ms: 1250,
};
export const imageShipped: DeployEvent = {
  type: 'image-shipped',
  node: 'n1',
  image: 'flocker-build/shop-web:latest',
  image_id: ID,
  bytes: 3 * MiB,
  image_bytes: 80 * MiB,
  ms: 900,
};
export const imageProgress = (mib: number): DeployEvent => ({
  type: 'image-progress',
  node: 'n1',
  image: 'flocker-build/shop-web:latest',
  bytes: mib * MiB,
  total: 3 * MiB,
  ms: mib * 300,
});
export const withImages: DeployEvent[] = [
  imageBuilt,
  ...connected,
  { type: 'step-start', step: 'lock', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'lock', ms: 30 },
  ...planned,
  imageProgress(1),
  imageProgress(2),
  imageShipped,
  ...applied.slice(upToPlan.length),
];

// issue 13 item 1, no docker here: built on n1 after the lock, then gathered and planned
export const imageBuiltOnNode: DeployEvent = {
  ...(imageBuilt as Extract<DeployEvent, { type: 'image-built' }>),
  node: 'n1',
  context_bytes: 20 * 1024,
  ms: 4200,
};
export const withNodeBuild: DeployEvent[] = [
  ...connected,
  { type: 'step-start', step: 'lock', nodes: ['n1', 'n2'] },
  { type: 'step-done', step: 'lock', ms: 30 },
  { type: 'step-start', step: 'build images', nodes: ['n1'] },
  imageBuiltOnNode,
  { type: 'step-done', step: 'build images', ms: 4210 },
  ...planned,
  imageShipped,
  ...applied.slice(upToPlan.length),
];
