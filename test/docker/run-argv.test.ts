import { expect } from 'chai';
import { dockerRunArgv } from '../../src/docker/run-argv.js';
import { parseEnvFile, renderEnvFile } from '../../src/docker/env-file.js';
import { toApplication } from '../../src/model/canonical.js';

describe('docker run argv', function () {
  it('an image the deploy sent runs by its ID, whatever the tag names now (issue 13)', function () {
    const id = `sha256:${'a'.repeat(64)}`;
    const app = toApplication('web', { image: 'flocker-build/p-web', image_id: id, command: ['serve'] });
    expect(dockerRunArgv(app, { envFile: '/e' }).slice(-2)).to.deep.equal([id, 'serve']);
  });

  it('names the container, publishes ports, mounts the volume, sets limits, image last', function () {
    const app = toApplication('web', {
      image: 'nginx',
      ports: [
        { internal: 80, external: 8080 },
        { internal: 443, external: 8443 },
      ],
      volume: { mountpoint: '/data' },
      mem_limit: 100_000_000,
      cpu_shares: 512,
      environment: { SECRET: 'x' },
    });
    expect(
      dockerRunArgv(app, { envFile: '/var/lib/flocker/apps/web.env', volumePath: '/flocker/web' }),
    ).to.deep.equal([
      'docker',
      'run',
      '--rm',
      '--init',
      '--name',
      'flocker--web',
      '--label',
      'flocker.application=web',
      '--env-file',
      '/var/lib/flocker/apps/web.env',
      '-p',
      '8080:80',
      '-p',
      '8443:443',
      '-v',
      '/flocker/web:/data',
      '--memory',
      '100000000',
      '--cpu-shares',
      '512',
      'nginx:latest',
    ]);
  });
  it('a cluster-only port is published on IPv4 only (the guard is IPv4)', function () {
    const app = toApplication('web', {
      image: 'x',
      ports: [
        { internal: 5432, external: 61712, cluster_only: true },
        { internal: 80, external: 8080 },
      ],
    });
    const argv = dockerRunArgv(app, { envFile: '/e' });
    expect(argv.filter((_, i) => argv[i - 1] === '-p')).to.deep.equal(['8080:80', '0.0.0.0:61712:5432']);
  });
  const HEAD = [
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
  ];
  it('links by name: one --add-host per link, addresses by canonical (sorted) order', function () {
    const app = toApplication('web', {
      image: 'busybox',
      links: [
        { alias: 'redis', local_port: 6379, remote_port: 16379 },
        { alias: 'db', local_port: 3306, remote_port: 13306 },
        { alias: 'db_ro', local_port: 3307, remote_port: 13307 },
      ],
    });
    expect(dockerRunArgv(app, { envFile: '/e' })).to.deep.equal([
      ...HEAD,
      '--add-host',
      'db:198.18.0.1',
      '--add-host',
      'db_ro:198.18.0.2',
      '--add-host',
      'redis:198.18.0.3',
      'busybox:latest',
    ]);
  });
  it('entrypoint: first word as --entrypoint, the rest and the command after the image', function () {
    const app = toApplication('web', {
      image: 'busybox',
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo "$HOME" 100% it\'s', 'x y'],
    });
    expect(dockerRunArgv(app, { envFile: '/e' })).to.deep.equal([
      ...HEAD,
      '--entrypoint',
      '/bin/sh',
      'busybox:latest',
      '-c',
      'echo "$HOME" 100% it\'s',
      'x y',
    ]);
  });
  it("entrypoint [] is --entrypoint '' (none); a command alone follows the image", function () {
    expect(
      dockerRunArgv(toApplication('web', { image: 'busybox', entrypoint: [], command: ['sleep', '9'] }), {
        envFile: '/e',
      }),
    ).to.deep.equal([...HEAD, '--entrypoint', '', 'busybox:latest', 'sleep', '9']);
    expect(
      dockerRunArgv(toApplication('web', { image: 'busybox', command: ['--flag'] }), { envFile: '/e' }),
    ).to.deep.equal([...HEAD, 'busybox:latest', '--flag']);
  });
  it('health flags: CMD as exec of the quoted argv, CMD-SHELL as written, timings as durations', function () {
    const app = toApplication('web', {
      image: 'busybox',
      healthcheck: {
        test: ['CMD', 'wget', '-q', '-O', '/dev/null', "http://localhost/it's ok"],
        interval_seconds: 2,
        timeout_seconds: 0.5,
        retries: 3,
        start_period_seconds: 10,
      },
    });
    expect(dockerRunArgv(app, { envFile: '/e' })).to.deep.equal([
      ...HEAD,
      '--health-cmd',
      "exec wget -q -O /dev/null 'http://localhost/it'\\''s ok'",
      '--health-interval',
      '2s',
      '--health-timeout',
      '500ms',
      '--health-retries',
      '3',
      '--health-start-period',
      '10s',
      'busybox:latest',
    ]);
    const shell = toApplication('web', {
      image: 'busybox',
      healthcheck: { test: ['CMD-SHELL', 'test -f /ready || exit 1'] },
    });
    expect(dockerRunArgv(shell, { envFile: '/e' })).to.deep.equal([
      ...HEAD,
      '--health-cmd',
      'test -f /ready || exit 1',
      'busybox:latest',
    ]);
  });
  it('NONE disables the image check: --no-healthcheck; other forms are refused', function () {
    const none = toApplication('web', { image: 'busybox', healthcheck: { test: ['NONE'], retries: 2 } });
    expect(dockerRunArgv(none, { envFile: '/e' })).to.deep.equal([
      ...HEAD,
      '--no-healthcheck',
      'busybox:latest',
    ]);
    for (const test of [['CMD'], ['CMD-SHELL', 'a', 'b'], ['NONE', 'x'], ['curl']])
      expect(() =>
        dockerRunArgv(toApplication('web', { image: 'busybox', healthcheck: { test } }), { envFile: '/e' }),
      ).to.throw(/healthcheck test/);
  });
  it('host_ip: -p HOSTIP:EXT:INT; 0.0.0.0 is every address, as if absent', function () {
    const app = toApplication('web', {
      image: 'busybox',
      ports: [
        { internal: 80, external: 8080, host_ip: '127.0.0.1' },
        { internal: 81, external: 8081, host_ip: '0.0.0.0' },
        { internal: 82, external: 8082, host_ip: '192.0.2.7' },
      ],
    });
    expect(app.ports[1]).to.deep.equal({ internal: 81, external: 8081 });
    expect(dockerRunArgv(app, { envFile: '/e' })).to.deep.equal([
      ...HEAD,
      '-p',
      '127.0.0.1:8080:80',
      '-p',
      '8081:81',
      '-p',
      '192.0.2.7:8082:82',
      'busybox:latest',
    ]);
  });
  it('never puts environment values in argv', function () {
    const app = toApplication('web', { image: 'nginx', environment: { SECRET: 'hunter2' } });
    expect(dockerRunArgv(app, { envFile: '/e' }).join(' ')).not.to.contain('hunter2');
  });
  it('requires a volume path for an app with a volume, and refuses ":" in paths', function () {
    const app = toApplication('web', { image: 'nginx', volume: { mountpoint: '/data' } });
    expect(() => dockerRunArgv(app, { envFile: '/e' })).to.throw(/no volume path/);
    expect(() => dockerRunArgv(app, { envFile: '/e', volumePath: '/a:b' })).to.throw(/no ':'/);
  });
  it('refuses names unusable as unit/container names', function () {
    expect(() => dockerRunArgv(toApplication('../x', { image: 'a' }), { envFile: '/e' })).to.throw(
      /not usable/,
    );
  });
});

describe('env file', function () {
  it('merges link variables and environment (environment wins), sorted, round-trips', function () {
    const text = renderEnvFile(
      { B: 'two words', A: 'x=y', DB_PORT: 'mine' },
      { DB_PORT: 'link', DB_ADDR: '1.2.3.4' },
    );
    expect(text).to.equal('A=x=y\nB=two words\nDB_ADDR=1.2.3.4\nDB_PORT=mine\n');
    expect(parseEnvFile(text)).to.deep.equal({
      A: 'x=y',
      B: 'two words',
      DB_ADDR: '1.2.3.4',
      DB_PORT: 'mine',
    });
  });
  it('keeps $, %, quotes and backslashes literally', function () {
    const env = { P: `$HOME 100% "q" 'q' \\n` };
    expect(parseEnvFile(renderEnvFile(env, {}))).to.deep.equal(env);
  });
  it('refuses values docker cannot carry and bad names, all at once', function () {
    expect(() => renderEnvFile({ A: 'l1\nl2', 'B C': 'x', '#D': 'y' }, {})).to.throw(
      /A: value contains a newline[\s\S]*"B C"[\s\S]*"#D"/,
    );
  });
});
