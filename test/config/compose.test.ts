import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import { isComposeDocument } from '../../src/config/compose.js';
import { parseComposePort, parseMemLimit, parseRestart } from '../../src/config/compose-values.js';

describe('config/compose', () => {
  it('detects compose-style documents', () => {
    expect(isComposeDocument({ services: {} })).to.equal(true);
    expect(isComposeDocument({ version: '3', services: {} })).to.equal(true);
    expect(isComposeDocument({ web: { image: 'nginx' } })).to.equal(true);
    expect(isComposeDocument({ version: 1, applications: {} })).to.equal(false);
    expect(isComposeDocument({ applications: {} })).to.equal(false);
    expect(isComposeDocument({ web: 'nginx' })).to.equal(false);
    expect(isComposeDocument({})).to.equal(false);
    expect(isComposeDocument(['web'])).to.equal(false);
  });

  it('parses ports', () => {
    expect(parseComposePort('8080:80')).to.deep.equal({ external: 8080, internal: 80 });
    expect(parseComposePort('8080:80/tcp')).to.deep.equal({ external: 8080, internal: 80 });
    expect(parseComposePort('80')).to.match(/a published port must be fixed/);
    expect(parseComposePort(80)).to.match(/a published port must be fixed/);
    expect(parseComposePort('1.2.3.4:80:81')).to.deep.equal({
      external: 80,
      internal: 81,
      host_ip: '1.2.3.4',
    });
    expect(parseComposePort('0.0.0.0:80:81')).to.deep.equal({ external: 80, internal: 81 });
    expect(parseComposePort('[::1]:80:81')).to.match(/IPv6/);
    expect(parseComposePort('127.0.0.1::81')).to.match(/must be fixed/);
    expect(parseComposePort('localhost:80:81')).to.match(/IPv4 address/);
    expect(parseComposePort('80-81:80-81')).to.match(/ranges/);
    expect(parseComposePort('0:80')).to.match(/^expected/);
    expect(parseComposePort('80:70000')).to.match(/^expected/);
  });

  it('parses memory sizes', () => {
    expect(parseMemLimit(1024)).to.equal(1024);
    expect(parseMemLimit('64m')).to.equal(64 * 1024 * 1024);
    expect(parseMemLimit('1g')).to.equal(1024 ** 3);
    expect(parseMemLimit('1GB')).to.equal(1024 ** 3);
    expect(parseMemLimit('512k')).to.equal(512 * 1024);
    expect(parseMemLimit('100b')).to.equal(100);
    expect(parseMemLimit('100')).to.equal(100);
    expect(parseMemLimit('64x')).to.be.a('string');
    expect(parseMemLimit(0)).to.be.a('string');
    expect(parseMemLimit(1.5)).to.be.a('string');
  });

  it('parses restart policies', () => {
    expect(parseRestart('no')).to.deep.equal({ name: 'never' });
    expect(parseRestart('always')).to.deep.equal({ name: 'always' });
    expect(parseRestart('on-failure')).to.deep.equal({ name: 'on-failure' });
    expect(parseRestart('on-failure:3')).to.deep.equal({ name: 'on-failure', maximum_retry_count: 3 });
    expect(parseRestart('unless-stopped')).to.deep.equal({ name: 'always' });
    expect(parseRestart('sometimes')).to.be.a('string');
    expect(parseRestart(false)).to.be.a('string');
  });

  it('converts links to the linked service port, default alias from the service name', () => {
    const apps = parseApplicationConfig(
      `services:
  web:
    image: nginx
    links: [my-db, "cache:kv"]
    volumes: ["/srv"]
    environment: {N: 3}
    networks: [solo] # alone on its network: only its links (networks: compose-networks.test)
  my-db:
    image: postgres
    ports: ["15432:5432"]
  cache:
    image: redis
    ports: ["16379:6379"]
networks: {solo: {}}
`,
      'c.yml',
    );
    expect(apps['web']?.links).to.deep.equal([
      { local_port: 6379, remote_port: 16379, alias: 'kv' },
      { local_port: 5432, remote_port: 15432, alias: 'my_db' },
    ]);
    expect(apps['web']?.volume).to.deep.equal({ mountpoint: '/srv' });
    expect(apps['web']?.environment).to.deep.equal({ N: '3' });
    expect(apps['web']?.restart_policy).to.deep.equal({ name: 'never' });
  });

  it('depends_on targets with one routed port are implicit links, unless linked explicitly', () => {
    const apps = parseApplicationConfig(
      `services:
  web:
    image: nginx
    links: ["cache:kv"]
    networks: [solo]
    depends_on:
      my-db: {condition: service_started}
      cache: {}
      replica: {}
      multi: {}
      local: {}
      none: {}
      9lives: {}
  my-db:
    image: postgres
    ports: ["15432:5432"]
  replica:
    image: postgres
    ports: ["25432:5432"]
  cache:
    image: redis
    ports: ["16379:6379"]
  multi:
    image: x
    ports: ["81:80", "444:443"]
  local:
    image: x
    ports: ["127.0.0.1:9000:9000"]
  none:
    image: x
  9lives:
    image: x
    ports: ["7000:7000"]
networks: {solo: {}}
`,
      'c.yml',
    );
    // cache: linked explicitly (as kv); replica: local port 5432 taken by my_db (sorted first);
    // multi: two ports; local: one host address; none: no port; 9lives: no alias (a leading digit)
    expect(apps['web']?.links).to.deep.equal([
      { local_port: 6379, remote_port: 16379, alias: 'kv' },
      { local_port: 5432, remote_port: 15432, alias: 'my_db' },
    ]);
    expect(apps['web']?.depends_on).to.deep.equal([
      '9lives',
      'cache',
      'local',
      'multi',
      'my-db',
      'none',
      'replica',
    ]);
  });

  it('compose v1 layout (service name -> service at top level)', () => {
    const apps = parseApplicationConfig(
      'web:\n  image: nginx\n  restart: always\n  mem_limit: 1g\n',
      'c.yml',
    );
    expect(apps['web']).to.deep.include({
      image: 'nginx:latest',
      mem_limit: 1024 ** 3,
      restart_policy: { name: 'always' },
    });
  });

  it('problems found after conversion point at the compose source', () => {
    try {
      parseApplicationConfig(
        'services:\n  web:\n    image: nginx\n    volumes: ["data:rel"]\n    environment: ["A B=x"]\n',
        'c.yml',
      );
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
      expect((e as InputError).message.split('\n')).to.deep.equal([
        'c.yml:4:15: services.web.volumes[0]: expected an absolute path (starting with "/"), found "rel"',
        'c.yml:5:19: services.web.environment[0]: expected an environment variable name: no "=", blanks or NUL, not starting with "#" (e.g. JAVA_OPTS or discovery.type), found "A B"',
      ]);
    }
  });
});
