// IptablesRouteTable inside real lab nodes: the shared contract, then traffic: an app on n1
// answers through n2's address (host and container via link variables), set() is a diff that
// leaves foreign and docker rules alone, routes survive a docker restart and a node restart.
import { createSocket } from 'node:dgram';
import { expect } from 'chai';
import { IptablesRouteTable } from '../../src/routing/route-table.js';
import { RunnerNodeFiles } from '../../src/exec/node-files.js';
import { SystemdApplicationUnits } from '../../src/systemd/application-units.js';
import { linkEnvironment } from '../../src/plan/links.js';
import { toApplication } from '../../src/model/canonical.js';
import type { CommandRunner } from '../../src/exec/runner.js';
import { routeTableContract } from './route-table.contract.js';
import { ensureHttpdImage, fetchText, labOrSkip } from '../systemd/lab-env.js';
import type { LabNode, TestLab } from '../systemd/lab-env.js';

/** a rule that is not ours, which set() must leave alone */
const foreignRule = (op: '-A' | '-D'): string[] =>
  ['iptables', '-t', 'nat', op, 'PREROUTING', '-p', 'tcp', '--dport', '65000'].concat([
    '-m',
    'comment',
    '--comment',
    'not-flocker',
    '-j',
    'RETURN',
  ]);

// what flocker-routes.service runs in the lab (the project is mounted at /opt/flocker)
const RESTORE = [
  'node',
  '--input-type=module',
  '-e',
  "const m = await import('/opt/flocker/dist/src/routing/restore.js'); console.log(JSON.stringify(await m.restoreRoutesOnThisNode()));",
];

function table(runner: CommandRunner): IptablesRouteTable {
  return new IptablesRouteTable(runner, new RunnerNodeFiles(runner), { restoreCommand: RESTORE });
}

const ruleLines = async (r: CommandRunner, grep: (l: string) => boolean): Promise<string[]> =>
  (await r.run(['iptables-save'])).stdout.split('\n').filter((l) => l.startsWith('-A') && grep(l));

describe('RouteTable functional (lab)', function () {
  this.timeout(180_000);
  let lab: TestLab;
  let n1: LabNode;
  let n2: LabNode;
  before(async function () {
    lab = await labOrSkip(this);
    [n1, n2] = lab.nodes as [LabNode, LabNode];
  });

  describe('contract', function () {
    routeTableContract('IptablesRouteTable in a lab node', () => {
      const r = lab.runner(n2.name);
      const t = table(r);
      return Promise.resolve({
        table: t,
        targets: [n1.address, n2.address],
        listen: async (port: number, protocol?: 'udp') => {
          const unit = `flocker-ct-listen-${port}`;
          // busybox nc has no UDP here: node binds the UDP socket (the nodes have it)
          const program =
            protocol === 'udp'
              ? ['node', '-e', `require('dgram').createSocket('udp4').bind(${port})`]
              : ['busybox', 'nc', '-l', '-p', String(port)];
          const argv = ['systemd-run', `--unit=${unit}`, '--collect', '--', ...program];
          const x = await r.run(argv);
          if (x.code !== 0) throw new Error(`${argv.join(' ')}: ${x.stderr}`);
          return async () => void (await r.run(['systemctl', 'stop', unit]));
        },
        cleanup: async () => void (await t.set([])),
      });
    });
  });

  describe('traffic', function () {
    let r1: CommandRunner;
    let r2: CommandRunner;
    const app = toApplication('fx-routed', {
      image: 'flocker-test/httpd:latest',
      ports: [{ internal: 80, external: 18090 }],
    });
    before(async function () {
      r1 = lab.runner(n1.name);
      r2 = lab.runner(n2.name);
      await ensureHttpdImage(r1, 'hello-flocker');
      await new SystemdApplicationUnits(r1, new RunnerNodeFiles(r1)).start(app, { linkEnvironment: {} });
    });
    after(async function () {
      await new SystemdApplicationUnits(r1, new RunnerNodeFiles(r1)).stop(app.name);
      await table(r2).set([]);
      await r2.run(foreignRule('-D'));
      await r2.run(['systemctl', 'disable', 'flocker-routes.service']);
      await r2.run([
        'rm',
        '-f',
        '/etc/systemd/system/flocker-routes.service',
        '/var/lib/flocker/routes.json',
      ]);
    });

    const route = (): { port: number; target_address: string; target_port: number } => ({
      port: 18090,
      target_address: n1.address,
      target_port: 18090,
    });

    it('answers on n2 for the app on n1: from the host, and from containers via link variables', async function () {
      // foreign rule that must survive
      await r2.run(foreignRule('-A'));
      const foreign = async (): Promise<string[]> => ruleLines(r2, (l) => !l.includes('flocker:'));
      const before = await foreign();
      expect(await table(r2).set([route()])).to.deep.equal({ added: [route()], removed: [] });
      expect(await foreign()).to.deep.equal(before);
      expect(await fetchText(`http://${n2.address}:18090/index.html`)).to.equal('hello-flocker');
      expect(await fetchText(`http://${n1.address}:18090/index.html`)).to.equal('hello-flocker');

      // a linking container on n2 (routed by n2 to n1) and on n1 (docker's own published port)
      const client = toApplication('client', {
        image: 'busybox',
        links: [{ alias: 'web', local_port: 80, remote_port: 18090 }],
      });
      for (const [node, runner] of [
        [n2, r2],
        [n1, r1],
      ] as const) {
        const env = linkEnvironment(client, node.address);
        const argv = ['docker', 'run', '--rm'];
        for (const [k, v] of Object.entries(env)) argv.push('-e', `${k}=${v}`);
        // busybox-static's wget crashes in these images; nc speaks HTTP/1.0 just as well
        argv.push(
          'busybox:latest',
          'sh',
          '-c',
          'printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 5 "$WEB_PORT_80_TCP_ADDR" "$WEB_PORT_80_TCP_PORT"',
        );
        const res = await runner.run(argv);
        expect(res.stdout, `${node.name}: ${res.stderr}`).to.match(
          /^HTTP\/1\.[01] 200[\s\S]*\r\n\r\nhello-flocker$/,
        );
      }

      // diff: adding a second route touches nothing of the first
      const firstRules = await ruleLines(r2, (l) => l.includes('flocker:route:18090'));
      const extra = { port: 18091, target_address: n1.address, target_port: 18091 };
      expect(await table(r2).set([route(), extra])).to.deep.equal({ added: [extra], removed: [] });
      expect(await ruleLines(r2, (l) => l.includes('flocker:route:18090'))).to.deep.equal(firstRules);
      expect(await table(r2).set([route()])).to.deep.equal({ added: [], removed: [extra] });
      expect(await foreign()).to.deep.equal(before);
      const mode = await r2.run(['stat', '-c', '%a', '/var/lib/flocker/routes.json']);
      expect(mode.stdout.trim()).to.equal('600');
      expect((await r2.run(['systemctl', 'is-enabled', 'flocker-routes.service'])).stdout.trim()).to.equal(
        'enabled',
      );
    });

    it('a UDP route: n2 answers for a UDP service on n1 (issue 13)', async function () {
      // a UDP echo on n1's host (the lab's busybox has no UDP server): the route is what is tested
      const unit = 'flocker-ct-udp-echo';
      const echo =
        'import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("0.0.0.0",18053))\nwhile True:\n d,a=s.recvfrom(512)\n s.sendto(b"echo:"+d,a)';
      await r1.run(['systemctl', 'stop', unit]);
      const started = await r1.run(['systemd-run', `--unit=${unit}`, 'python3', '-c', echo]);
      expect(started.code, started.stderr).to.equal(0);
      const udp = { port: 18053, target_address: n1.address, target_port: 18053, protocol: 'udp' as const };
      try {
        expect(await table(r2).set([route(), udp])).to.deep.equal({ added: [udp], removed: [] });
        for (const address of [n1.address, n2.address])
          expect(await udpAsk(address, 18053, 'ping'), address).to.equal('echo:ping');
      } finally {
        await table(r2).set([route()]);
        await r1.run(['systemctl', 'stop', unit]);
      }
    });

    it('survives a docker restart', async function () {
      await table(r2).set([route()]);
      const res = await r2.run(['systemctl', 'restart', 'docker']);
      expect(res.code, res.stderr).to.equal(0);
      expect(await table(r2).list()).to.deep.equal([route()]);
      expect(await fetchText(`http://${n2.address}:18090/index.html`)).to.equal('hello-flocker');
    });

    it('is restored by flocker-routes.service after a node restart', async function () {
      await table(r2).set([route()]);
      await lab.restart(n2.name);
      r2 = lab.runner(n2.name);
      let listed: unknown = [];
      for (let i = 0; i < 50; i++) {
        listed = await table(r2)
          .list()
          .catch(() => []);
        if (JSON.stringify(listed) === JSON.stringify([route()])) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(listed).to.deep.equal([route()]);
      expect(await fetchText(`http://${n2.address}:18090/index.html`)).to.equal('hello-flocker');
    });
  });
});

/** One datagram to address:port from this machine; the answer's text (rejects after 5 s). */
function udpAsk(address: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    let tries = 0;
    const send = (): void => {
      if (tries++ >= 10) {
        sock.close();
        reject(new Error(`no UDP answer from ${address}:${port}`));
        return;
      }
      sock.send(text, port, address);
    };
    const timer = setInterval(send, 500);
    sock.on('message', (m) => {
      clearInterval(timer);
      sock.close();
      resolve(m.toString('utf8'));
    });
    sock.on('error', (e) => {
      clearInterval(timer);
      sock.close();
      reject(e);
    });
    send();
  });
}
