// bench/image-shipping (issue 13 item 1): the bytes a deploy sends for a compose build, next to
// the image's size: a first deploy (the node has only the busybox base), a redeploy of the same
// build (0), and a change of the top layer only. Runs on a lab that is up (2 nodes): the app
// runs on n1; the "deploying machine's docker" is n2's dockerd through its socket under /proc
// (this machine has a docker client but no daemon). Prints figures only.
// --node-build: the deploying machine has no docker (DOCKER_HOST names no socket): the build runs
// on n1, which runs `web`; `worker`, of the same build, runs on n2 and gets the image from n1.
// The context bytes sent to n1 are shown beside the image bytes sent to n2.
// Usage (root, after npm run build): node dist/bench/image-shipping.js [--lab NAME] [--mib 16] [--node-build]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabState } from '../src/lab/index.js';
import { formatBytes } from '../src/plan/describe.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const lab = arg('--lab') ?? 'flab';
const mib = Number(arg('--mib') ?? '16');
const nodeBuild = process.argv.includes('--node-build');
const st = readLabState(lab);
if (!st) throw new Error(`lab ${lab} is not up (flocker-lab up --name ${lab})`);
const n2 = st.nodes.find((n) => n.name === 'n2');
if (!n2) throw new Error(`lab ${lab} has no n2`);

function dockerSocketOf(address: string): string {
  for (const pid of execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)) {
    const ip = spawnSync('nsenter', ['-t', pid, '-n', 'ip', '-4', '-o', 'addr'], { encoding: 'utf8' }).stdout;
    if (ip.includes(`inet ${address}/`)) return `unix:///proc/${pid}/root/run/docker.sock`;
  }
  throw new Error(`no dockerd with address ${address}`);
}

const dir = `/var/lib/flocker-bench/image-shipping-${process.pid}`;
mkdirSync(`${dir}/web`, { recursive: true });
const env = {
  ...process.env,
  CI: 'true',
  DOCKER_HOST: nodeBuild ? `unix://${dir}/no-docker-here.sock` : dockerSocketOf(n2.address),
};
const TAG = `flocker-build/bench-${process.pid}-web:latest`;
writeFileSync(
  `${dir}/web/Dockerfile`,
  `FROM busybox:latest\nRUN dd if=/dev/urandom of=/blob bs=1M count=${mib} 2>/dev/null\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8091", "-h", "/www"]\n`,
);
const worker = nodeBuild ? `  worker:\n    image: ${TAG}\n    build: ./web\n` : '';
writeFileSync(`${dir}/compose.yml`, `services:\n  web:\n    image: ${TAG}\n    build: ./web\n${worker}`);

interface Ev {
  type: string;
  bytes?: number;
  image_bytes?: number;
  context_bytes?: number;
}
interface Figures {
  bytes: number;
  image: number;
  context: number;
  ms: number;
}
function deploy(on: boolean): Figures {
  const n1 = on ? 'web' : '';
  const n2 = on && nodeBuild ? 'worker' : '';
  writeFileSync(`${dir}/deployment.yml`, `version: 1\nnodes:\n  n1: [${n1}]\n  n2: [${n2}]\n`);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      `${ROOT}/dist/bin/flocker-deploy.js`,
      '--json',
      '--ssh-config',
      st!.sshConfig,
      `${dir}/deployment.yml`,
      `${dir}/compose.yml`,
    ],
    { env, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`flocker-deploy exit ${String(r.status)}: ${r.stderr}${r.stdout}`);
  const ev = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);
  const sent = ev.filter((e) => e.type === 'image-shipped');
  return {
    bytes: sent.reduce((a, e) => a + (e.bytes ?? 0), 0),
    image: sent[0]?.image_bytes ?? 0,
    context: ev.filter((e) => e.type === 'image-built').reduce((a, e) => a + (e.context_bytes ?? 0), 0),
    ms: Date.now() - t0,
  };
}

try {
  writeFileSync(`${dir}/web/index.html`, 'v1\n');
  const first = deploy(true);
  const again = deploy(true);
  writeFileSync(`${dir}/web/index.html`, 'v2\n');
  const change = deploy(true);
  const context = (r: Figures): string => (nodeBuild ? `; context to n1 ${formatBytes(r.context)}` : '');
  const row = (what: string, r: Figures) =>
    `${what.padEnd(28)} ${formatBytes(r.bytes).padStart(10)}   (image ${formatBytes(r.image || first.image)}${context(r)}; deploy ${(r.ms / 1000).toFixed(1)} s)`;
  console.log(
    nodeBuild
      ? `no docker here: built on n1 (runs web), sent on to n2 (runs worker); image: busybox + ${mib} MiB layer + one small file layer; n2 has busybox`
      : `image: busybox + ${mib} MiB layer + one small file layer; node n1 has busybox`,
  );
  console.log(row('first deploy', first));
  console.log(row('redeploy, unchanged', again));
  console.log(row('top layer changed', change));
} finally {
  deploy(false);
  rmSync(dir, { recursive: true, force: true });
}
