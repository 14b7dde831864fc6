// SystemdApplicationUnits inside a real lab node: the shared contract plus what only the real
// thing can show (container runs and answers, unit enabled, secrets 0600, quoting, cleanup).
import { expect } from 'chai';
import { SystemdApplicationUnits } from '../../src/systemd/application-units.js';
import { RunnerNodeFiles } from '../../src/exec/node-files.js';
import { toApplication } from '../../src/model/canonical.js';
import type { CommandRunner } from '../../src/exec/runner.js';
import { applicationUnitsContract } from './application-units.contract.js';
import { ensureHttpdImage, fetchText, labOrSkip } from './lab-env.js';
import type { LabNode, TestLab } from './lab-env.js';

const IMAGE = 'flocker-test/httpd:latest';
const VOL = '/var/lib/flocker-test/vol';

async function cleanupApps(runner: CommandRunner): Promise<void> {
  const units = new SystemdApplicationUnits(runner, new RunnerNodeFiles(runner));
  for (const a of await units.list()) await units.stop(a.application.name);
}

describe('ApplicationUnits functional (lab)', function () {
  this.timeout(120_000);
  let lab: TestLab;
  let n1: LabNode;
  let runner: CommandRunner;
  before(async function () {
    lab = await labOrSkip(this);
    n1 = lab.nodes[0] as LabNode;
    runner = lab.runner(n1.name);
    await ensureHttpdImage(runner, 'hello-flocker');
    await runner.run(['mkdir', '-p', VOL]);
  });

  describe('contract', function () {
    applicationUnitsContract('SystemdApplicationUnits in a lab node', () =>
      Promise.resolve({
        units: new SystemdApplicationUnits(runner, new RunnerNodeFiles(runner), { startTimeoutMs: 30_000 }),
        image: IMAGE,
        volumePath: VOL,
        absentImage: 'flocker-test/absent:nope', // and the lab reaches no registry
        cleanup: () => cleanupApps(runner),
      }),
    );
  });

  describe('real behaviour', function () {
    afterEach(async function () {
      await cleanupApps(runner);
    });

    it('runs the container in an enabled unit; port answers; env 0600; quoting; restart on change; stop cleans up', async function () {
      const units = new SystemdApplicationUnits(runner, new RunnerNodeFiles(runner));
      const app = toApplication('fx-web', {
        image: IMAGE,
        ports: [{ internal: 80, external: 18081 }],
        volume: { mountpoint: '/data 100% $HOME' },
        environment: { SECRET: 'hunter2 $HOME 50%', Q: `"q" 'q' \\` },
        mem_limit: 67108864,
        cpu_shares: 256,
        restart_policy: { name: 'always' },
      });
      const link = { DB_PORT_5432_TCP_ADDR: n1.address };
      await units.start(app, { linkEnvironment: link, volumePath: VOL });
      expect(await fetchText(`http://${n1.address}:18081/index.html`)).to.equal('hello-flocker');
      expect(
        (await runner.run(['systemctl', 'is-enabled', 'flocker--fx-web.service'])).stdout.trim(),
      ).to.equal('enabled');
      const modes = await runner.run([
        'stat',
        '-c',
        '%a %n',
        '/var/lib/flocker/apps/fx-web.env',
        '/var/lib/flocker/apps/fx-web.json',
      ]);
      expect(modes.stdout.trim().split('\n')).to.deep.equal([
        '600 /var/lib/flocker/apps/fx-web.env',
        '600 /var/lib/flocker/apps/fx-web.json',
      ]);
      const unitText = (await runner.run(['cat', '/etc/systemd/system/flocker--fx-web.service'])).stdout;
      expect(unitText).not.to.contain('hunter2');
      const env = (await runner.run(['docker', 'exec', 'flocker--fx-web', 'env'])).stdout;
      expect(env).to.contain('SECRET=hunter2 $HOME 50%\n');
      expect(env).to.contain(`Q="q" 'q' \\\n`);
      expect(env).to.contain(`DB_PORT_5432_TCP_ADDR=${n1.address}\n`);
      const mounted = await runner.run(['docker', 'exec', 'flocker--fx-web', 'ls', '-d', '/data 100% $HOME']);
      expect(mounted.code, mounted.stderr).to.equal(0);
      const inspect = await runner.run([
        'docker',
        'inspect',
        '-f',
        '{{.HostConfig.Memory}} {{.HostConfig.CpuShares}}',
        'flocker--fx-web',
      ]);
      expect(inspect.stdout.trim()).to.equal('67108864 256');
      expect(await units.list()).to.deep.equal([{ application: app, running: true }]);

      const changed = { ...app, environment: { ...app.environment, SECRET: 'rotated' } };
      const idBefore = (
        await runner.run(['docker', 'inspect', '-f', '{{.Id}}', 'flocker--fx-web'])
      ).stdout.trim();
      await units.start(changed, { linkEnvironment: link, volumePath: VOL });
      const idAfter = (
        await runner.run(['docker', 'inspect', '-f', '{{.Id}}', 'flocker--fx-web'])
      ).stdout.trim();
      expect(idAfter).not.to.equal(idBefore);
      expect((await runner.run(['docker', 'exec', 'flocker--fx-web', 'env'])).stdout).to.contain(
        'SECRET=rotated\n',
      );
      expect(await units.list()).to.deep.equal([{ application: changed, running: true }]);

      await units.stop('fx-web');
      const left = await runner.run([
        'sh',
        '-c',
        'ls /etc/systemd/system/flocker--fx-web.service /var/lib/flocker/apps/fx-web.env /var/lib/flocker/apps/fx-web.json 2>/dev/null; docker ps -a --format "{{.Names}}" | grep -x flocker--fx-web; systemctl is-enabled flocker--fx-web.service 2>/dev/null; true',
      ]);
      expect(left.stdout.trim()).to.equal('');
      expect(await units.list()).to.deep.equal([]);
    });

    it('reports the journal when the container does not run', async function () {
      const units = new SystemdApplicationUnits(runner, new RunnerNodeFiles(runner), {
        startTimeoutMs: 15_000,
      });
      const app = toApplication('fx-bad', { image: 'flocker-test/does-not-exist:1' });
      let err: unknown;
      try {
        await units.start(app, { linkEnvironment: {} });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/fx-bad did not start/);
      expect(String(err)).to.match(/flocker--fx-bad/);
    });
  });
});
