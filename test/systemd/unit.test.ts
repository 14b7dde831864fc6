import { expect } from 'chai';
import { appPaths, parseSpec, renderSpec, renderUnit, restartDirectives } from '../../src/systemd/unit.js';
import { toApplication } from '../../src/model/canonical.js';
import type { Application } from '../../src/model/application.js';

const full: Application = toApplication('web', {
  image: 'registry.example/team/web:1.2',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/var/www 100%' },
  links: [{ alias: 'db', local_port: 5432, remote_port: 15432 }],
  environment: { A: '$x', B: 'y' },
  mem_limit: 67108864,
  cpu_shares: 256,
  restart_policy: { name: 'on-failure', maximum_retry_count: 3 },
});

describe('application unit rendering', function () {
  const p = appPaths('web');
  it('places files: unit in /etc/systemd/system, env + spec under /var/lib/flocker/apps', function () {
    expect(p).to.deep.equal({
      unit: '/etc/systemd/system/flocker--web.service',
      envFile: '/var/lib/flocker/apps/web.env',
      specFile: '/var/lib/flocker/apps/web.json',
      filesDir: '/var/lib/flocker/apps/web.files',
      secretsDir: '/var/lib/flocker/apps/web.secrets',
    });
  });

  it('renders the whole unit', function () {
    const text = renderUnit(full, { envFile: p.envFile, specFile: p.specFile, volumePath: '/flocker/web' });
    expect(text.split('\n')).to.deep.equal([
      "# Written by flocker; do not edit. The application spec is in the X-Flocker section's file.",
      '[Unit]',
      'Description=flocker application web',
      'After=docker.service flocker-routes.service',
      'Requires=docker.service',
      'StartLimitIntervalSec=infinity',
      'StartLimitBurst=4',
      '',
      '[Service]',
      'Type=simple',
      'ExecStartPre=-docker rm -f flocker--web',
      'ExecStart=docker run --rm --init --name flocker--web --label flocker.application=web --env-file /var/lib/flocker/apps/web.env ' +
        '--add-host db:198.18.0.1 -p 8080:80 -v "/flocker/web:/var/www 100%%" --memory 67108864 --cpu-shares 256 registry.example/team/web:1.2',
      'ExecStartPost=flocker-changestate link-nat web',
      'ExecStop=docker stop -t 10 flocker--web',
      'SuccessExitStatus=137 143',
      'Restart=on-failure',
      'RestartSec=1s',
      'TimeoutStartSec=infinity',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
      '[X-Flocker]',
      'Application=web',
      'Spec=/var/lib/flocker/apps/web.json',
      '',
    ]);
  });

  it('keeps secrets out of the unit', function () {
    const app = toApplication('s', { image: 'x', environment: { PASSWORD: 'hunter2' } });
    expect(renderUnit(app, { envFile: '/e', specFile: '/s' })).not.to.contain('hunter2');
  });

  it('maps restart policies', function () {
    expect(restartDirectives({ name: 'never' })).to.deep.equal({ unit: [], service: ['Restart=no'] });
    expect(restartDirectives({ name: 'always' })).to.deep.equal({
      unit: ['StartLimitIntervalSec=0'],
      service: ['Restart=always', 'RestartSec=1s'],
    });
    expect(restartDirectives({ name: 'on-failure' })).to.deep.equal({
      unit: ['StartLimitIntervalSec=0'],
      service: ['Restart=on-failure', 'RestartSec=1s'],
    });
    expect(restartDirectives({ name: 'on-failure', maximum_retry_count: 0 }).unit).to.deep.equal([
      'StartLimitIntervalSec=infinity',
      'StartLimitBurst=1',
    ]);
  });
});

describe('recorded spec', function () {
  it('round-trips the exact application, minimal and full', function () {
    const minimal = toApplication('m', { image: 'busybox' });
    for (const app of [minimal, full]) {
      const back = parseSpec(renderSpec(app, { L: 'v' }, '/flocker/x'), 'f');
      expect(back.application).to.deep.equal(app);
      expect(back.link_environment).to.deep.equal({ L: 'v' });
      expect(back.volume_path).to.equal('/flocker/x');
    }
    expect(parseSpec(renderSpec(minimal, {}), 'f')).to.deep.equal({
      format: 'flocker-application/1',
      application: minimal,
      link_environment: {},
    });
  });
  it('names the file and the problem when damaged', function () {
    expect(() => parseSpec('{', '/s.json')).to.throw(/\/s\.json: damaged application spec: not JSON/);
    const good = JSON.parse(renderSpec(full, {})) as { application: Record<string, unknown> };
    good.application.ports = [{ internal: 'x', external: 1 }];
    expect(() => parseSpec(JSON.stringify(good), 'f')).to.throw(/application\.ports\[0\]\.internal/);
    good.application.ports = [];
    good.application.extra = 1;
    expect(() => parseSpec(JSON.stringify(good), 'f')).to.throw(/unexpected key extra/);
  });
});

/**
 * systemd's reading of a command line (systemd.service(5) "Command lines"), as far as our
 * quoting uses it: words split on blanks, "..." with C escapes, %% -> %, $$ -> $.
 */
function systemdWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const unspec = (s: string): string => s.replace(/%%/g, '%').replace(/\$\$/g, '$');
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    let w = '';
    if (line[i] === '"') {
      i++;
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error('unterminated quote');
        if (line[i] === '\\') {
          const c = line[i + 1];
          if (c === 'x') {
            w += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          w += ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' } as Record<string, string>)[c ?? ''] ?? '';
          i += 2;
          continue;
        }
        w += line[i++];
      }
      i++;
    } else while (i < line.length && line[i] !== ' ') w += line[i++];
    words.push(unspec(w));
  }
  return words;
}

describe('ExecStart carries the docker argv exactly', function () {
  it('entrypoint, command, health command with spaces, quotes, $, %, backslash and control characters', function () {
    const app = toApplication('web', {
      image: 'busybox',
      ports: [{ internal: 80, external: 8080, host_ip: '127.0.0.1' }],
      entrypoint: [],
      command: ['sh', '-c', `echo "$HOME" 100% it's \\ ${'$'}{X} ;`, '', 'tab\there'],
      healthcheck: {
        test: ['CMD-SHELL', `wget -qO- "http://localhost:80/" | grep -q '50%' && test $$ -gt 0`],
      },
    });
    const text = renderUnit(app, { envFile: '/e', specFile: '/s' });
    const exec = text
      .split('\n')
      .find((l) => l.startsWith('ExecStart='))!
      .slice('ExecStart='.length);
    expect(systemdWords(exec)).to.deep.equal([
      'docker',
      'run',
      '--rm',
      '--init',
      '--name',
      'flocker--web',
      '--label',
      'flocker.application=web',
      '--env-file',
      '/e',
      '-p',
      '127.0.0.1:8080:80',
      '--health-cmd',
      `wget -qO- "http://localhost:80/" | grep -q '50%' && test $$ -gt 0`,
      '--entrypoint',
      '',
      'busybox:latest',
      'sh',
      '-c',
      `echo "$HOME" 100% it's \\ ${'$'}{X} ;`,
      '',
      'tab\there',
    ]);
    expect(exec).to.contain(String.raw`"echo \"$$HOME\" 100%% it's \\ $${'$'}{X} ;" "" "tab\there"`);
  });
});

describe('ExecStartPost installs the NAT rules of links by name', function () {
  const post = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('ExecStartPost='));
  it('only with links: the node command and the app name, as words systemd reads back', function () {
    expect(
      post(renderUnit(toApplication('solo', { image: 'x' }), { envFile: '/e', specFile: '/s' })),
    ).to.deep.equal([]);
    const text = renderUnit(full, {
      envFile: '/e',
      specFile: '/s',
      volumePath: '/v',
      linkNatCommand: ['/usr/local/sbin/flocker changestate', 'link-nat'],
    });
    const lines = post(text);
    expect(lines).to.have.length(1);
    expect(systemdWords(lines[0]!.slice('ExecStartPost='.length))).to.deep.equal([
      '/usr/local/sbin/flocker changestate',
      'link-nat',
      'web',
    ]);
    // after ExecStart: systemd runs it once the container's process started
    const at = (p: string): number => text.split('\n').findIndex((l) => l.startsWith(p));
    expect(at('ExecStartPost=')).to.equal(at('ExecStart=') + 1);
  });
});
