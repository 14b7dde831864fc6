// One behavioural contract for every ApplicationUnits: FakeApplicationUnits in unit tests and
// SystemdApplicationUnits inside a lab node in application-units.functional.test.ts.
import { expect } from 'chai';
import type { ApplicationUnits } from '../../src/systemd/application-units.js';
import type { Application } from '../../src/model/application.js';
import { toApplication } from '../../src/model/canonical.js';
import { rejects } from '../helpers/rejects.js';
import { linkEnvironment } from '../../src/plan/links.js';
import { payloadHash, valuePayload } from '../../src/model/payload.js';

export interface UnitsSubject {
  readonly units: ApplicationUnits;
  /** an image whose default command keeps running (e.g. busybox httpd) */
  readonly image: string;
  /** a volume path on the node usable for an app with a volume */
  readonly volumePath: string;
  /** an image that is not on the node and that no reachable registry serves */
  readonly absentImage: string;
  cleanup(): Promise<void>;
}

export function applicationUnitsContract(label: string, factory: () => Promise<UnitsSubject>): void {
  describe(`ApplicationUnits contract: ${label}`, function () {
    let s: UnitsSubject;
    let app: Application;
    let linkEnv: Record<string, string> = {};
    beforeEach(async function () {
      s = await factory();
      app = toApplication('ctr-web', {
        image: s.image,
        ports: [{ internal: 80, external: 18080 }],
        volume: { mountpoint: '/data' },
        links: [{ alias: 'db', local_port: 5432, remote_port: 15432 }],
        environment: { GREETING: 'hello $USER 100%', QUOTE: `"it's"` },
        mem_limit: 67108864,
        cpu_shares: 512,
        restart_policy: { name: 'on-failure', maximum_retry_count: 2 },
      });
      // as a deploy gives them: every link's variables (its name's NAT rule is made from them)
      linkEnv = linkEnvironment(app, '1.2.3.4');
    });
    afterEach(async function () {
      await s?.cleanup();
    });

    it('starts an app and lists the exact application as running', async function () {
      expect(await s.units.list()).to.deep.equal([]);
      await s.units.start(app, {
        linkEnvironment: linkEnv,
        volumePath: s.volumePath,
      });
      expect(await s.units.list()).to.deep.equal([{ application: app, running: true }]);
    });

    it("reports its unit's state and since when", async function () {
      expect(await s.units.unitStates()).to.deep.equal({});
      const before = Date.now() - 2000;
      await s.units.start(app, { linkEnvironment: linkEnv, volumePath: s.volumePath });
      const st = (await s.units.unitStates())[app.name];
      expect(st?.state).to.equal('active');
      expect(Date.parse(st?.since ?? '')).to.be.within(before, Date.now() + 1000);
    });

    it('restarts with a changed spec and lists the new one', async function () {
      await s.units.start(app, { linkEnvironment: linkEnv, volumePath: s.volumePath });
      const changed = { ...app, environment: { ...app.environment, NEW: '1' } };
      await s.units.start(changed, { linkEnvironment: linkEnv, volumePath: s.volumePath });
      expect(await s.units.list()).to.deep.equal([{ application: changed, running: true }]);
    });

    it('lists several apps sorted by name', async function () {
      const b = toApplication('ctr-b', { image: s.image });
      await s.units.start(app, { linkEnvironment: linkEnv, volumePath: s.volumePath });
      await s.units.start(b, { linkEnvironment: {} });
      expect((await s.units.list()).map((x) => x.application.name)).to.deep.equal(['ctr-b', 'ctr-web']);
    });

    it('stops and forgets an app; stopping an absent app is a no-op', async function () {
      await s.units.start(app, { linkEnvironment: linkEnv, volumePath: s.volumePath });
      await s.units.stop(app.name);
      expect(await s.units.list()).to.deep.equal([]);
      await s.units.stop(app.name);
      await s.units.stop('never-there');
    });

    it('refuses an app with a volume but no volume path, and values docker cannot carry', async function () {
      expect((await rejects(s.units.start(app, { linkEnvironment: {} }), 'E_VOLUME_PATH')).message).to.match(
        /volume/,
      );
      const bad = { ...app, environment: { X: 'a\nb' } };
      expect(
        (
          await rejects(
            s.units.start(bad, { linkEnvironment: linkEnv, volumePath: s.volumePath }),
            'E_ENVIRONMENT',
          )
        ).message,
      ).to.match(/newline/);
      expect(await s.units.list()).to.deep.equal([]);
    });

    it('refuses to start an app whose project files or secrets were not sent; starts it with them', async function () {
      const conf = valuePayload('conf\n');
      const pw = valuePayload('pw');
      const withFiles: Application = {
        ...toApplication('ctr-files', { image: s.image }),
        files: { '/etc/app.conf': { source: './app.conf', hash: payloadHash(conf), read_only: true } },
        secrets: { '/run/secrets/pw': { source: 'pw', hash: payloadHash(pw), mode: 0o400 } },
      };
      const payloads = { [payloadHash(conf)]: conf, [payloadHash(pw)]: pw };
      await rejects(
        s.units.start(withFiles, { linkEnvironment: {}, payloads: { [payloadHash(conf)]: conf } }),
        'E_APP_FILES',
      );
      expect(await s.units.list()).to.deep.equal([]);
      await s.units.start(withFiles, { linkEnvironment: {}, payloads });
      expect(await s.units.list()).to.deep.equal([{ application: withFiles, running: true }]);
    });

    it('dockerd answers with its version', async function () {
      expect(await s.units.dockerVersion())
        .to.be.a('string')
        .and.not.equal('');
    });

    it("lists the host ports running containers publish, and counts them (a started app's port among them)", async function () {
      const before = await s.units.dockerPorts();
      expect(before.published).to.not.include(app.ports[0]!.external);
      await s.units.start(app, { linkEnvironment: linkEnv, volumePath: s.volumePath });
      const after = await s.units.dockerPorts();
      expect(after.published).to.include(app.ports[0]!.external);
      expect(after.running).to.equal(before.running + 1);
    });

    it('knows which images are here; a pull no registry serves fails and changes nothing', async function () {
      expect(await s.units.hasImage(s.image)).to.equal(true);
      expect(await s.units.hasImage(s.absentImage)).to.equal(false);
      const err = await rejects(s.units.pullImage(s.absentImage), 'E_NODE_COMMAND');
      expect(err.message).to.include(s.absentImage);
      expect(await s.units.hasImage(s.absentImage)).to.equal(false);
    });
  });
}
