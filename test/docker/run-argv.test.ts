import { expect } from 'chai';
import { dockerRunArgv } from '../../src/docker/run-argv.js';
import { parseEnvFile, renderEnvFile } from '../../src/docker/env-file.js';
import { toApplication } from '../../src/model/canonical.js';

describe('docker run argv', function () {
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
