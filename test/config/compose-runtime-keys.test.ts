// Issue 13, the smaller compose keys: what each becomes (model, docker run argv, unit) and what
// is refused, with the reason, at the item it concerns.
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import { dockerRunArgv } from '../../src/docker/run-argv.js';
import { renderUnit } from '../../src/systemd/unit.js';
import { toApplication, sameApplication } from '../../src/model/canonical.js';
import type { Application } from '../../src/model/application.js';

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError)
      return e.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const compose = (svc: string, top = ''): string => `${top}services:\n  web:\n    image: nginx\n${svc}`;
const web = (svc: string, top = ''): Application => {
  const apps = parseApplicationConfig(compose(svc, top), 'c.yml');
  return apps['web'] as Application;
};
const argv = (app: Application): string[] => dockerRunArgv(app, { envFile: '/e' });

describe('compose runtime keys (issue 13)', () => {
  it('hostname, user, capabilities, labels, stop signal and grace, tmpfs, ulimits, sysctls, tty', () => {
    const app = web(
      [
        '    hostname: web1.example',
        '    user: 1000',
        '    cap_add: [NET_ADMIN, SYS_TIME]',
        '    cap_drop: [ALL]',
        '    labels: ["com.example.team=web", "empty="]',
        '    stop_signal: SIGQUIT',
        '    working_dir: /srv/app',
        '    stop_grace_period: 1m30s',
        '    tmpfs: /run',
        '    ulimits:',
        '      nproc: 65535',
        '      nofile: {soft: 20000, hard: 40000}',
        '    sysctls: {net.core.somaxconn: 1024, kernel.shmmax: "68719476736"}',
        '    tty: true',
        '    stdin_open: true',
        '    platform: linux/amd64',
        '    network_mode: bridge',
        '    privileged: false',
        '    environment: {discovery.type: single-node}',
        '',
      ].join('\n'),
      'name: myproject\n',
    );
    expect(app).to.include({
      hostname: 'web1.example',
      user: '1000',
      stop_signal: 'SIGQUIT',
      working_dir: '/srv/app',
      stop_grace_period_seconds: 90,
      tty: true,
    });
    expect(app.cap_add).to.deep.equal(['NET_ADMIN', 'SYS_TIME']);
    expect(app.labels).to.deep.equal({ 'com.example.team': 'web', empty: '' });
    expect(app.tmpfs).to.deep.equal(['/run']);
    expect(app.ulimits).to.deep.equal({
      nofile: { soft: 20000, hard: 40000 },
      nproc: { soft: 65535, hard: 65535 },
    });
    expect(app.sysctls).to.deep.equal({ 'kernel.shmmax': '68719476736', 'net.core.somaxconn': '1024' });
    expect(app.environment).to.deep.equal({ 'discovery.type': 'single-node' });
    const a = argv(app);
    const after = (flag: string): string[] => a.flatMap((x, i) => (x === flag ? [a[i + 1] as string] : []));
    expect(after('--hostname')).to.deep.equal(['web1.example']);
    expect(after('--user')).to.deep.equal(['1000']);
    expect(after('--cap-add')).to.deep.equal(['NET_ADMIN', 'SYS_TIME']);
    expect(after('--cap-drop')).to.deep.equal(['ALL']);
    expect(after('--label')).to.deep.equal(['flocker.application=web', 'com.example.team=web', 'empty=']);
    expect(after('--stop-signal')).to.deep.equal(['SIGQUIT']);
    expect(after('--workdir')).to.deep.equal(['/srv/app']);
    expect(after('--stop-timeout')).to.deep.equal(['90']);
    expect(after('--tmpfs')).to.deep.equal(['/run']);
    expect(after('--ulimit')).to.deep.equal(['nofile=20000:40000', 'nproc=65535:65535']);
    expect(after('--sysctl')).to.deep.equal(['kernel.shmmax=68719476736', 'net.core.somaxconn=1024']);
    expect(a).to.include('-t');
    expect(a).to.not.include('-i');
    expect(a[a.length - 1]).to.equal('nginx:latest');
  });

  it('the unit waits for the grace period: docker stop -t and systemd TimeoutStopSec after it', () => {
    const unit = renderUnit(web('    stop_grace_period: 2m\n'), { envFile: '/e', specFile: '/s' });
    expect(unit).to.include(' stop -t 120 flocker--web');
    expect(unit).to.include('TimeoutStopSec=150');
    // no grace period: the unit is as it always was (existing apps are not rewritten)
    const plain = renderUnit(web(''), { envFile: '/e', specFile: '/s' });
    expect(plain).to.include(' stop -t 10 flocker--web');
    expect(plain).to.not.include('TimeoutStopSec');
  });

  it('a runtime key changes the app (restart); absent keys leave existing apps as they were', () => {
    const base = toApplication('web', { image: 'nginx' });
    expect(Object.keys(base)).to.not.include.members(['hostname', 'labels', 'tty', 'ulimits']);
    expect(sameApplication(base, toApplication('web', { image: 'nginx', user: '1' }))).to.equal(false);
    expect(sameApplication(base, toApplication('web', { image: 'nginx', tty: false }))).to.equal(true);
  });

  it('refuses what docker or Flocker cannot honour, each with its reason, every problem at once', () => {
    const problems = problemsOf(() =>
      web(
        [
          '    hostname: "-bad_host"',
          '    working_dir: srv/app',
          '    cap_add: [net_admin]',
          '    labels: {flocker.application: other, ok: 1}',
          '    stop_grace_period: 10',
          '    tmpfs: [relative]',
          '    ulimits: {nofile: {soft: 10, hard: 5}, bogus: 1}',
          '    sysctls: ["kernel.domainname=x", "net.ipv4.ip_forward=1"]',
          '    tty: "yes"',
          '    platform: linux/arm64',
          '    network_mode: host',
          '    runtime: nvidia',
          '    privileged: true',
          '    deploy: {resources: {limits: {memory: 50M}}}',
          '',
        ].join('\n'),
        'name: "Bad Name"\n',
      ),
    );
    const at = (path: string): string => {
      const p = problems.find((x) => x.includes(` ${path}: `));
      expect(p, `${path} in\n${problems.join('\n')}`).to.not.equal(undefined);
      return p as string;
    };
    expect(at('name')).to.include('expected a project name');
    expect(at('services.web.hostname')).to.include('expected a host name');
    expect(at('services.web.working_dir')).to.include('expected an absolute path inside the container');
    expect(at('services.web.cap_add[0]')).to.include('capability name in capitals');
    expect(at('services.web.labels["flocker.application"]')).to.include('not starting with "flocker."');
    expect(at('services.web.stop_grace_period')).to.include('found the number 10 (write "10s"');
    expect(at('services.web.tmpfs[0]')).to.include('an absolute path');
    expect(at('services.web.ulimits.nofile.soft')).to.include('at most the hard limit 5');
    expect(at('services.web.ulimits.bogus')).to.include('unsupported ulimit "bogus"');
    expect(at('services.web.sysctls[0]')).to.include('the others are the whole node');
    expect(problems.some((p) => p.includes('sysctls[1]'))).to.equal(false);
    expect(at('services.web.tty')).to.include('expected true or false');
    expect(at('services.web.platform')).to.include('expected "linux/amd64"');
    expect(at('services.web.network_mode')).to.include('the host network');
    expect(at('services.web.runtime')).to.include('installed on every node');
    expect(at('services.web.privileged')).to.include('cap_add');
    expect(at('services.web.deploy')).to.include('swarm deploy');
  });

  it('docker run refuses a flocker.* label however it came (the Flocker format too)', () => {
    const problems = problemsOf(() =>
      parseApplicationConfig(
        'version: 1\napplications:\n  web:\n    image: nginx\n    labels: {Flocker.application: x}\n',
        'a.yml',
      ),
    );
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include('not starting with "flocker."');
    const app = { ...toApplication('web', { image: 'nginx' }), labels: { 'flocker.application': 'x' } };
    expect(() => argv(app))
      .to.throw()
      .with.property('code', 'E_APP_LABEL');
  });

  it('the Flocker format takes the same keys (stop_grace_period_seconds in seconds)', () => {
    const apps = parseApplicationConfig(
      [
        'version: 1',
        'applications:',
        '  web:',
        '    image: nginx',
        '    user: "www-data:www-data"',
        '    stop_grace_period_seconds: 30',
        '    ulimits: {nofile: {soft: 1, hard: 2}}',
        '    sysctls: {net.core.somaxconn: "512"}',
        '    tty: true',
        '',
      ].join('\n'),
      'a.yml',
    );
    expect(apps['web']).to.include({ user: 'www-data:www-data', stop_grace_period_seconds: 30, tty: true });
  });
});

describe('compose UDP ports (issue 13)', () => {
  it('"53:53/udp", "/tcp" and protocol: udp; 53/tcp and 53/udp are two ports', () => {
    const app = web(
      [
        '    ports:',
        '      - "53:53/udp"',
        '      - "53:53/tcp"',
        '      - {target: 5353, published: 5353, protocol: udp}',
        '',
      ].join('\n'),
    );
    expect(app.ports).to.deep.equal([
      { internal: 53, external: 53 },
      { internal: 53, external: 53, protocol: 'udp' },
      { internal: 5353, external: 5353, protocol: 'udp' },
    ]);
    const a = argv(app);
    expect(a.filter((_, i) => a[i - 1] === '-p')).to.deep.equal(['53:53', '53:53/udp', '5353:5353/udp']);
  });

  it('a TCP port keeps its canonical form (no protocol): existing apps do not restart', () => {
    const before = toApplication('web', { image: 'nginx', ports: [{ internal: 80, external: 80 }] });
    const after = web('    ports: ["80:80/tcp"]\n');
    expect(after.ports).to.deep.equal([{ internal: 80, external: 80 }]);
    expect(sameApplication(before, after)).to.equal(true);
  });

  it('refuses another protocol and a UDP port used twice', () => {
    const problems = problemsOf(() =>
      web('    ports: ["53:53/sctp", "54:54/udp", "54:55/udp", {target: 1, published: 1, protocol: sctp}]\n'),
    );
    expect(problems).to.have.length(3);
    const has = (s: string): boolean => problems.some((p) => p.includes(s));
    expect(has('services.web.ports[0]: ') && has('"tcp" or "udp"')).to.equal(true);
    expect(has('services.web.ports[3].protocol: expected "tcp" or "udp"')).to.equal(true);
    expect(has('services.web.ports[2]: expected an external port not already mapped')).to.equal(true);
  });
});

describe('every volume of a service is checked (issue 13, item 8)', () => {
  it('several volumes: each entry is checked and reported at its own index', () => {
    const problems = problemsOf(() =>
      web('    volumes: ["/var/run/docker.sock:/var/run/docker.sock", "./x:/y", "b:/b:ro"]\n'),
    );
    expect(
      problems.some((p) => p.includes('services.web.volumes[0]: ') && p.includes('docker socket')),
    ).to.equal(true);
    expect(problems.some((p) => p.includes('services.web.volumes[1]: '))).to.equal(true);
    expect(
      problems.some((p) => p.includes('services.web.volumes[2]: ') && p.includes('options other than "rw"')),
    ).to.equal(true);
  });
});

describe('application names with dots, as Flocker took them (issue 13, item 7)', () => {
  it("Flocker's docs example site-clusterhq.com: unit, container, dataset and state files", async () => {
    const { datasetName } = await import('../../src/zfs/names.js');
    const { unitName, containerName, appNameOfUnit } = await import('../../src/docker/names.js');
    const { appPaths } = await import('../../src/systemd/unit.js');
    const apps = parseApplicationConfig(
      'version: 1\napplications:\n  site-clusterhq.com:\n    image: nginx\n    ports: [{internal: 80, external: 80}]\n',
      'a.yml',
    );
    const app = apps['site-clusterhq.com'] as Application;
    expect(unitName(app.name)).to.equal('flocker--site-clusterhq.com.service');
    expect(appNameOfUnit('flocker--site-clusterhq.com.service')).to.equal('site-clusterhq.com');
    expect(containerName(app.name)).to.equal('flocker--site-clusterhq.com');
    expect(datasetName('flocker/volumes', app.name)).to.equal('flocker/volumes/site-clusterhq.com');
    expect(appPaths(app.name, '/u', '/s')).to.deep.include({
      envFile: '/s/site-clusterhq.com.env',
      specFile: '/s/site-clusterhq.com.json',
    });
    expect(argv(app)).to.include('flocker--site-clusterhq.com');
    // compose: a dotted service linked by name gets an alias with "_" for "."
    const c = parseApplicationConfig(
      'services:\n  db.local:\n    image: postgres\n    ports: ["5432:5432"]\n  web:\n    image: nginx\n    links: [db.local]\n',
      'c.yml',
    );
    expect(c['web']?.links).to.deep.equal([{ local_port: 5432, remote_port: 5432, alias: 'db_local' }]);
  });
});

describe('volume.maximum_size in the Flocker format (issue 13, item 7)', () => {
  it('"1G", "500M", bytes; canonical in bytes; a change alone restarts nothing', () => {
    const parse = (size: string): Application =>
      parseApplicationConfig(
        `version: 1\napplications:\n  db:\n    image: postgres\n    volume: {mountpoint: /data, maximum_size: ${size}}\n`,
        'a.yml',
      )['db'] as Application;
    expect(parse('1G').volume).to.deep.equal({ mountpoint: '/data', maximum_size: 1024 ** 3 });
    expect(parse('"500M"').volume?.maximum_size).to.equal(500 * 1024 ** 2);
    expect(parse('1.5G').volume?.maximum_size).to.equal(1.5 * 1024 ** 3);
    expect(parse('1048576').volume?.maximum_size).to.equal(1048576);
    expect(sameApplication(parse('1G'), parse('2G'))).to.equal(true);
    const problems = problemsOf(() => parse('1X'));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include(
      'applications.db.volume.maximum_size: expected a size in bytes or like "500M", "1G"',
    );
  });
});
