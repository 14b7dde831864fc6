import { expect } from 'chai';
import type { Application } from '../../src/model/application.js';
import { canonicalImage, sameApplication, toApplication } from '../../src/model/canonical.js';

// Every user-changeable field set, so that each single-field change below has something to change.
const base: Application = {
  name: 'web',
  image: 'nginx:1.25',
  ports: [
    { internal: 80, external: 8080 },
    { internal: 443, external: 8443 },
  ],
  volume: { mountpoint: '/data' },
  links: [
    { local_port: 5432, remote_port: 5432, alias: 'db' },
    { local_port: 6379, remote_port: 16379, alias: 'cache' },
  ],
  environment: { A: '1', B: 'two' },
  mem_limit: 64 * 1024 * 1024,
  cpu_shares: 512,
  restart_policy: { name: 'on-failure', maximum_retry_count: 3 },
};

/** One change per field (and per part of a field) that must restart the application. */
const changes: Record<string, (a: Application) => Application> = {
  name: (a) => ({ ...a, name: 'web2' }),
  image: (a) => ({ ...a, image: 'nginx:1.26' }),
  'image repository': (a) => ({ ...a, image: 'example.com/nginx:1.25' }),
  'port internal': (a) => ({ ...a, ports: [{ internal: 81, external: 8080 }, a.ports[1]!] }),
  'port external': (a) => ({ ...a, ports: [{ internal: 80, external: 8081 }, a.ports[1]!] }),
  'port added': (a) => ({ ...a, ports: [...a.ports, { internal: 22, external: 2222 }] }),
  'port removed': (a) => ({ ...a, ports: a.ports.slice(1) }),
  'volume mountpoint': (a) => ({ ...a, volume: { mountpoint: '/srv' } }),
  'volume removed': ({ volume: _, ...rest }) => rest,
  'link alias': (a) => ({ ...a, links: [{ ...a.links[0]!, alias: 'pg' }, a.links[1]!] }),
  'link local port': (a) => ({ ...a, links: [{ ...a.links[0]!, local_port: 5433 }, a.links[1]!] }),
  'link remote port': (a) => ({ ...a, links: [{ ...a.links[0]!, remote_port: 5433 }, a.links[1]!] }),
  'link removed': (a) => ({ ...a, links: a.links.slice(1) }),
  'environment value': (a) => ({ ...a, environment: { ...a.environment, A: '2' } }),
  'environment value emptied': (a) => ({ ...a, environment: { ...a.environment, A: '' } }),
  'environment added': (a) => ({ ...a, environment: { ...a.environment, C: '3' } }),
  'environment removed': (a) => ({ ...a, environment: { B: 'two' } }),
  'environment renamed': (a) => ({ ...a, environment: { A2: '1', B: 'two' } }),
  mem_limit: (a) => ({ ...a, mem_limit: 128 * 1024 * 1024 }),
  'mem_limit removed': ({ mem_limit: _, ...rest }) => rest,
  cpu_shares: (a) => ({ ...a, cpu_shares: 1024 }),
  'cpu_shares removed': ({ cpu_shares: _, ...rest }) => rest,
  'restart policy name': (a) => ({ ...a, restart_policy: { name: 'always' } }),
  'restart retry count': (a) => ({ ...a, restart_policy: { name: 'on-failure', maximum_retry_count: 4 } }),
  'restart retry count removed': (a) => ({ ...a, restart_policy: { name: 'on-failure' } }),
};

describe('model/canonical sameApplication (decides restarts)', () => {
  it('is true for an application and a deep copy of it', () => {
    expect(sameApplication(base, structuredClone(base))).to.equal(true);
  });

  for (const [field, change] of Object.entries(changes)) {
    it(`is false when only the ${field} changes (both ways)`, () => {
      const changed = change(structuredClone(base));
      expect(changed).not.to.deep.equal(base); // the change really changes something
      expect(sameApplication(base, changed)).to.equal(false);
      expect(sameApplication(changed, base)).to.equal(false);
    });
  }

  it('is false when a field is added to an application that had none', () => {
    const bare = toApplication('web', { image: 'nginx' });
    expect(
      sameApplication(bare, toApplication('web', { image: 'nginx', volume: { mountpoint: '/d' } })),
    ).to.equal(false);
    expect(sameApplication(bare, toApplication('web', { image: 'nginx', mem_limit: 1 }))).to.equal(false);
    expect(sameApplication(bare, toApplication('web', { image: 'nginx', cpu_shares: 1 }))).to.equal(false);
    expect(sameApplication(bare, toApplication('web', { image: 'nginx', environment: { A: '' } }))).to.equal(
      false,
    );
  });

  it('ignores the order of ports, links and environment keys', () => {
    const reordered: Application = {
      ...base,
      ports: [...base.ports].reverse(),
      links: [...base.links].reverse(),
      environment: { B: 'two', A: '1' },
    };
    expect(Object.keys(reordered.environment)).to.deep.equal(['B', 'A']);
    expect(sameApplication(base, reordered)).to.equal(true);
    expect(sameApplication(reordered, base)).to.equal(true);
  });

  it('ignores the order of keys inside entries and at the top level', () => {
    const { restart_policy, environment, ...rest } = base;
    const shuffled: Application = {
      restart_policy: { maximum_retry_count: 3, name: 'on-failure' },
      environment,
      ...rest,
      ports: base.ports.map((p) => ({ external: p.external, internal: p.internal })),
      links: base.links.map((l) => ({
        alias: l.alias,
        remote_port: l.remote_port,
        local_port: l.local_port,
      })),
    };
    expect(restart_policy).to.deep.equal(shuffled.restart_policy);
    expect(sameApplication(base, shuffled)).to.equal(true);
  });

  it('treats "busybox" and "busybox:latest" as the same image, and other tags as different', () => {
    const a = toApplication('b', { image: 'busybox' });
    const b = toApplication('b', { image: 'busybox:latest' });
    expect(a.image).to.equal('busybox:latest');
    expect(sameApplication(a, b)).to.equal(true);
    // also when the Application was not built by toApplication
    expect(sameApplication({ ...a, image: 'busybox' }, { ...a, image: 'busybox:latest' })).to.equal(true);
    expect(sameApplication(a, toApplication('b', { image: 'busybox:1.36' }))).to.equal(false);
    expect(sameApplication(a, toApplication('b', { image: 'library/busybox' }))).to.equal(false);
  });

  it('canonicalImage adds :latest only when there is no tag or digest (a registry port is not a tag)', () => {
    expect(canonicalImage('busybox')).to.equal('busybox:latest');
    expect(canonicalImage('busybox:1.36')).to.equal('busybox:1.36');
    expect(canonicalImage('localhost:5000/busybox')).to.equal('localhost:5000/busybox:latest');
    expect(canonicalImage('busybox@sha256:abc')).to.equal('busybox@sha256:abc');
  });

  it('an application with no optional fields equals the canonical form of its config entry', () => {
    const a = toApplication('w', { image: 'nginx' });
    expect(a).to.deep.equal({
      name: 'w',
      image: 'nginx:latest',
      ports: [],
      links: [],
      environment: {},
      restart_policy: { name: 'never' },
    });
    expect(
      sameApplication(a, toApplication('w', { image: 'nginx', restart_policy: { name: 'never' } })),
    ).to.equal(true);
  });
});
