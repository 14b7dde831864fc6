// bench/move: move an app with a volume of 10 MiB and of 1 GiB from n1 to n2 while 10 MiB are
// written into it during the pre-copy; print total move time, downtime (longest time the app's
// port did not answer, probed in a tight loop from the host), and the push throughput next to a
// raw `zfs send | ssh | zfs recv` of the same data between the same nodes. Prints figures only.
// Usage (root, after npm run build): node dist/bench/move.js [--lab NAME] [--sizes 10,1024]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runChecked } from '../src/exec/check.js';
import { LabSshRunner, ensureExampleImages } from '../src/lab/access.js';
import { labDown, labUp, readLabState } from '../src/lab/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.now() / 1000;

interface Ev {
  type: string;
  phase?: string;
  change?: string;
  detail?: { bytes?: number; seconds?: number; incremental?: boolean };
}

/** Run flocker-deploy --json, calling onEvent for each NDJSON line as it arrives. */
function deploy(args: string[], onEvent: (e: Ev) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [`${ROOT}/dist/bin/flocker-deploy.js`, '--json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    createInterface({ input: p.stdout }).on('line', (l) => onEvent(JSON.parse(l) as Ev));
    p.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`flocker-deploy exit ${code}: ${err}`)),
    );
  });
}

/** Probe a URL back to back; returns the longest gap without an answer, in seconds. */
function probe(url: string): { stop: () => Promise<number> } {
  let running = true;
  let lastOk = now();
  let worst = 0;
  const loop = (async () => {
    while (running) {
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(250) });
        await r.arrayBuffer();
        if (r.ok) {
          worst = Math.max(worst, now() - lastOk);
          lastOk = now();
          continue;
        }
      } catch {
        // not answering
      }
      await sleep(10);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return Math.max(worst, now() - lastOk);
    },
  };
}

async function main(): Promise<void> {
  const sizes = (arg('--sizes') ?? '10,1024').split(',').map(Number);
  const given = arg('--lab');
  const lab = given ?? 'bmove';
  if (!given)
    await labUp({ name: lab, nodes: 2, subnet: '198.51.100.224/27', poolSize: '4G' }, () => undefined);
  try {
    const st = readLabState(lab);
    if (!st) throw new Error(`lab ${lab} is not up`);
    const [a1, a2] = st.nodes.map((n) => n.address) as [string, string];
    const n1 = new LabSshRunner('n1', st.sshConfig);
    const n2 = new LabSshRunner('n2', st.sshConfig);
    const sh = async (r: LabSshRunner, script: string): Promise<string> =>
      (await runChecked(r, ['sh', '-c', script])).stdout;
    for (const r of [n1, n2]) await ensureExampleImages(r, 'flocker-bench');
    const dir = `/var/lib/flocker-lab/${lab}/bench-move`;
    mkdirSync(dir, { recursive: true });
    const appFile = `${dir}/application.yml`;
    const depFile = `${dir}/deployment.yml`;
    const common = ['--ssh-config', st.sshConfig, depFile, appFile];
    const place = (n1apps: string, n2apps: string): void =>
      writeFileSync(depFile, `version: 1\nnodes:\n  n1: [${n1apps}]\n  n2: [${n2apps}]\n`);
    writeFileSync(
      appFile,
      'version: 1\napplications:\n  web:\n    image: flocker-bench/httpd\n    ports:\n      - internal: 80\n        external: 8080\n    volume:\n      mountpoint: /www\n',
    );

    console.log(`lab ${lab}: n1=${a1} n2=${a2}; probe http://${a1}:8080/ from the host`);
    for (const mib of sizes) {
      place('web', '');
      await deploy(common, () => undefined);
      await sh(
        n1,
        `echo ok > /flocker/volumes/web/index.html; dd if=/dev/urandom of=/flocker/volumes/web/data bs=1M count=${mib} 2>/dev/null; sync`,
      );
      // size of the full stream the pre-copy will send (pushes pipe zfs send straight into ssh,
      // so no process counts their bytes): measured here on a snapshot of our own
      const preBytes = Number(
        (
          await sh(
            n1,
            'zfs snapshot flocker/volumes/web@bench-size && zfs send flocker/volumes/web@bench-size | wc -c; zfs destroy flocker/volumes/web@bench-size',
          )
        ).trim(),
      );
      // the port answers before we start
      const warm = probe(`http://${a1}:8080/index.html`);
      await sleep(500);
      await warm.stop();

      // the probe starts with the stop phase (the app still answers then): a tight HTTP loop
      // during the pre-copy would take CPU from the transfer it is compared against
      let p: ReturnType<typeof probe> | undefined;
      let writer: Promise<string> | undefined;
      const figures: Ev['detail'][] = [];
      place('', 'web');
      const t0 = now();
      await deploy(common, (e) => {
        if (e.type === 'phase-start' && e.phase === 'push') {
          writer = sh(
            n1,
            'docker exec flocker--web dd if=/dev/urandom of=/www/during-precopy bs=1M count=10 2>/dev/null; echo done',
          );
        }
        if (e.type === 'phase-start' && e.phase === 'stop') p = probe(`http://${a1}:8080/index.html`);
        if (e.type === 'change-done' && e.detail) figures.push(e.detail);
      });
      const total = now() - t0;
      if (!p) throw new Error('no stop phase seen');
      const downtime = await p.stop();
      await writer;
      const [pre, fin] = figures;
      const pushMiBs = preBytes / 1048576 / Math.max(pre?.seconds ?? 1, 1e-6);

      // raw pipe of the same (final) snapshot between the same nodes, with a temporary key
      const snap = (await sh(n1, 'zfs list -H -o name -t snapshot -r flocker/volumes/web | tail -1')).trim();
      const bytes = Number((await sh(n1, `zfs send ${snap} | wc -c`)).trim());
      const pub = await sh(
        n1,
        'rm -rf /var/lib/flocker/bench-key; mkdir -m 700 -p /var/lib/flocker/bench-key; ssh-keygen -q -t ed25519 -N "" -C flocker-bench -f /var/lib/flocker/bench-key/id; cat /var/lib/flocker/bench-key/id.pub',
      );
      await runChecked(n2, ['sh', '-c', 'cat >> /root/.ssh/authorized_keys'], { stdin: pub });
      const rawOut = await sh(
        n1,
        `s=$(date +%s%N); zfs send ${snap} | ssh -F none -i /var/lib/flocker/bench-key/id -o IdentitiesOnly=yes -o BatchMode=yes ` +
          `-o UserKnownHostsFile=/var/lib/flocker/peer/known_hosts -o StrictHostKeyChecking=yes root@${a2} zfs recv -F flocker/benchraw; ` +
          'e=$(date +%s%N); echo $(( (e - s) / 1000000 ))',
      );
      const rawSeconds = Number(rawOut.trim()) / 1000;
      await sh(
        n2,
        'grep -v " flocker-bench$" /root/.ssh/authorized_keys > /root/.ssh/ak.new; mv /root/.ssh/ak.new /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys; for i in $(seq 25); do zfs destroy -r flocker/benchraw 2>/dev/null && break; sleep 0.2; done',
      );
      await sh(n1, 'rm -rf /var/lib/flocker/bench-key');
      const raw = bytes / 1048576 / rawSeconds;
      console.log(
        `volume ${mib} MiB (+10 MiB written during pre-copy): move ${total.toFixed(2)} s, downtime ${downtime.toFixed(2)} s; ` +
          `pre-copy ${pre?.incremental ? 'incremental' : 'full'} ${(preBytes / 1048576).toFixed(1)} MiB in ${pre?.seconds?.toFixed(2)} s = ${pushMiBs.toFixed(1)} MiB/s, ` +
          `final ${fin?.incremental ? 'incremental' : 'full'} in ${fin?.seconds?.toFixed(2)} s; ` +
          `raw zfs send|ssh|zfs recv ${(bytes / 1048576).toFixed(1)} MiB in ${rawSeconds.toFixed(2)} s = ${raw.toFixed(1)} MiB/s; push/raw ${(pushMiBs / raw).toFixed(2)}`,
      );
      // reset: no app, no volumes
      writeFileSync(`${dir}/empty.yml`, 'version: 1\napplications: {}\n');
      place('', '');
      await deploy(['--ssh-config', st.sshConfig, depFile, `${dir}/empty.yml`], () => undefined);
      for (const r of [n1, n2])
        await sh(
          r,
          'for i in $(seq 25); do zfs destroy -r flocker/volumes/web 2>/dev/null && break; sleep 0.2; done; true',
        );
    }
  } finally {
    if (!given) await labDown(lab, () => undefined);
  }
}

await main();
