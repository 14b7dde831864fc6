// bench/plan: planning time for 1,000 apps on 100 nodes (pure planner), and the wall time of a
// no-op `flocker-deploy --dry-run` against a lab next to a bare `ssh node true` to each node in
// parallel. Prints figures; asserts nothing. Usage: node dist/bench/plan.js [--lab NAME]
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { plan } from '../src/plan/planner.js';
import { countChanges } from '../src/plan/describe.js';
import { toApplication, toConfigEntry } from '../src/model/canonical.js';
import type { Application } from '../src/model/application.js';
import type { ClusterState, NodeState } from '../src/model/state.js';
import { labDown, labUp, readLabState } from '../src/lab/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function synthetic(apps: number, nodes: number) {
  const nodeNames = Array.from({ length: nodes }, (_, i) => `node${i}`);
  const applications: Record<string, Application> = {};
  const desiredNodes: Record<string, string[]> = Object.fromEntries(nodeNames.map((n) => [n, []]));
  type Mutable = {
    applications: Record<string, NodeState['applications'][string]>;
    owned_volumes: { name: string; snapshots: string[] }[];
  };
  const states: Record<string, NodeState & Mutable> = {};
  for (const n of nodeNames) {
    states[n] = {
      protocol: 1,
      node: { hostname: n, machine_id: '0'.repeat(32) },
      applications: {},
      owned_volumes: [],
      volume_copies: [],
      routes: [],
    };
  }
  for (let i = 0; i < apps; i++) {
    const name = `app${i}`;
    const app = toApplication(name, {
      image: `registry.example/app${i % 17}:v${i % 3}`,
      ports: [{ internal: 80, external: 10000 + i }],
      ...(i % 2 === 0 ? { volume: { mountpoint: '/data' } } : {}),
      links: i > 0 ? [{ local_port: 5432, remote_port: 10000 + i - 1, alias: 'prev' }] : [],
      environment: { INDEX: String(i), MODE: 'prod' },
    });
    applications[name] = app;
    const want = nodeNames[i % nodes]!;
    desiredNodes[want]!.push(name);
    // current state: 90% already right, 5% on another node (moves), 5% not deployed yet
    const bucket = i % 20;
    if (bucket === 18) continue;
    const where = bucket === 19 ? nodeNames[(i + 1) % nodes]! : want;
    const s = states[where]!;
    s.applications[name] = { spec: toConfigEntry(app), running: true };
    if (app.volume) s.owned_volumes.push({ name, snapshots: [] });
  }
  const cluster: ClusterState = {
    nodes: Object.fromEntries(
      nodeNames.map((n, i) => [
        n,
        { address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, state: states[n]! },
      ]),
    ),
  };
  return { desired: { applications, nodes: desiredNodes }, cluster };
}

function wall(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - t0) / 1e9)
        : reject(new Error(`${argv.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}

async function main(): Promise<void> {
  const { desired, cluster } = synthetic(1000, 100);
  plan(desired, cluster); // warm up
  const times: number[] = [];
  let changes = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = process.hrtime.bigint();
    changes = countChanges(plan(desired, cluster));
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(
    `plan: 1000 apps on 100 nodes (${changes} changes): median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms over ${times.length} runs (target <= 1000 ms)`,
  );

  const argLab = process.argv.indexOf('--lab');
  const given = argLab > 0 ? process.argv[argLab + 1] : undefined;
  const labName = given ?? 'bplan';
  if (!given) await labUp({ name: labName, nodes: 2, subnet: '198.51.100.224/27' }, () => undefined);
  try {
    const st = readLabState(labName);
    if (!st) throw new Error(`lab ${labName} is not up`);
    const cfg = `/var/lib/flocker-lab/${labName}/ssh/config`;
    const dir = `/var/lib/flocker-lab/${labName}/bench`;
    mkdirSync(dir, { recursive: true });
    const nodes = st.nodes.map((n) => n.name);
    writeFileSync(
      `${dir}/deployment.yml`,
      `version: 1\nnodes:\n${nodes.map((n) => `  ${n}: []`).join('\n')}\n`,
    );
    writeFileSync(`${dir}/application.yml`, 'version: 1\napplications: {}\n');
    const dry = [
      '/usr/bin/node',
      `${ROOT}/dist/bin/flocker-deploy.js`,
      '--dry-run',
      '--ssh-config',
      cfg,
      `${dir}/deployment.yml`,
      `${dir}/application.yml`,
    ];
    const sshAll = async (): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await Promise.all(nodes.map((n) => wall(['ssh', '-F', cfg, n, 'true'])));
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    await wall(dry);
    await sshAll();
    const d: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < 5; i++) {
      d.push(await wall(dry));
      s.push(await sshAll());
    }
    const md = median(d);
    const ms = median(s);
    console.log(
      `no-op --dry-run on ${nodes.length} lab nodes: median ${md.toFixed(3)} s; bare 'ssh node true' to each in parallel: median ${ms.toFixed(3)} s; ratio ${(md / ms).toFixed(2)}x (target <= 1.5x)`,
    );
  } finally {
    if (!given) await labDown(labName, () => undefined);
  }
}

await main();
