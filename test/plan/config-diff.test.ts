// A plan that explains itself: every changed field of an app's config, before → after, generic
// over the config entry form; secret fields (environment) by key only.
import { expect } from 'chai';
import type { ApplicationConfigEntry } from '../../src/model/application.js';
import { SECRET_VALUE_FIELDS } from '../../src/model/application.js';
import { applicationEntrySchema } from '../../src/model/application-schema.js';
import { toApplication, toConfigEntry } from '../../src/model/canonical.js';
import type { ClusterPlan } from '../../src/model/changes.js';
import { configDiff, entryDiff } from '../../src/plan/config-diff.js';
import { explainFieldChange, fieldLabel } from '../../src/plan/config-diff-text.js';
import { describeChange, describePlan } from '../../src/plan/describe.js';

/** every key of the config entry, checked against the type both ways at compile time */
const ENTRY_KEYS = {
  image: true,
  ports: true,
  volume: true,
  links: true,
  environment: true,
  mem_limit: true,
  cpu_shares: true,
  restart_policy: true,
  command: true,
  entrypoint: true,
  healthcheck: true,
  depends_on: true,
  files: true,
  secrets: true,
  hostname: true,
  user: true,
  cap_add: true,
  cap_drop: true,
  labels: true,
  working_dir: true,
  stop_signal: true,
  stop_grace_period_seconds: true,
  tmpfs: true,
  ulimits: true,
  sysctls: true,
  tty: true,
  build: true,
  image_id: true,
} as const satisfies Record<keyof ApplicationConfigEntry, true>;

const base: ApplicationConfigEntry = { image: 'busybox:1' };

/** a second valid value of each field (the base has none but image and restart_policy) */
const OTHER: Readonly<Record<keyof ApplicationConfigEntry, unknown>> = {
  image: 'busybox:2',
  ports: [{ internal: 80, external: 8080, host_ip: '127.0.0.1' }],
  volume: { mountpoint: '/data' },
  links: [{ local_port: 5432, remote_port: 5432, alias: 'db' }],
  environment: { SECRET: 'sekrit-value' },
  mem_limit: 1 << 26,
  cpu_shares: 512,
  restart_policy: { name: 'always' },
  command: ['serve', '--port', '80'],
  entrypoint: [],
  healthcheck: { test: ['CMD', 'true'], interval_seconds: 5 },
  depends_on: ['db'],
  files: { '/etc/app.conf': { source: './app.conf', hash: 'a'.repeat(64), read_only: true } },
  secrets: { '/run/secrets/db': { source: 'db', hash: 'b'.repeat(64), mode: 0o400 } },
  hostname: 'web1',
  user: '1000:1000',
  cap_add: ['NET_ADMIN'],
  cap_drop: ['ALL'],
  labels: { 'com.example.team': 'web' },
  working_dir: '/srv/app',
  stop_signal: 'SIGQUIT',
  stop_grace_period_seconds: 30,
  tmpfs: ['/run'],
  ulimits: { nofile: { soft: 1024, hard: 4096 } },
  sysctls: { 'net.core.somaxconn': '1024' },
  tty: true,
  build: { context: '/src/web', args: { V: '1' } },
  image_id: `sha256:${'ab'.repeat(32)}`,
};

describe('config diff (a plan that explains itself)', () => {
  it('the model keys, the schema keys and the keys this test changes are the same', () => {
    expect(Object.keys(applicationEntrySchema.properties).sort()).to.deep.equal(
      Object.keys(ENTRY_KEYS).sort(),
    );
    expect(Object.keys(OTHER).sort()).to.deep.equal(Object.keys(ENTRY_KEYS).sort());
  });

  for (const field of Object.keys(applicationEntrySchema.properties) as (keyof ApplicationConfigEntry)[]) {
    it(`explains a change of ${field}, and of nothing else`, () => {
      const before = toApplication('web', base);
      const after = toApplication('web', { ...base, [field]: OTHER[field] });
      const diff = configDiff(before, after);
      expect(diff.length, JSON.stringify(diff)).to.be.greaterThan(0);
      expect(diff.every((d) => d.field === field)).to.equal(true);
      for (const d of diff) {
        const text = explainFieldChange(d);
        expect(text.startsWith(`${fieldLabel(d)}: `)).to.equal(true);
        if (SECRET_VALUE_FIELDS.has(field)) {
          expect(d).to.not.have.any.keys('before', 'after');
          expect(text).to.not.include('sekrit');
        } else if (field === 'files') expect(text).to.include('added');
        else expect(text).to.match(/→|: added \(/); // a mapping's new key: "added (value)"
      }
      // and back: the same fields, the other way round
      expect(configDiff(after, before).map((d) => [d.field, d.key])).to.deep.equal(
        diff.map((d) => [d.field, d.key]),
      );
    });
  }

  it('a field the text does not know (one added to the model later) is explained as JSON', () => {
    const a = { ...toConfigEntry(toApplication('web', base)), isolation: 'SIGTERM' };
    const b = {
      ...toConfigEntry(toApplication('web', base)),
      isolation: 'SIGQUIT',
      shm_size: { nofile: 1024 },
    };
    const diff = entryDiff(a, b);
    expect(diff).to.deep.equal([
      { field: 'isolation', change: 'changed', before: 'SIGTERM', after: 'SIGQUIT' },
      { field: 'shm_size', change: 'added', after: { nofile: 1024 } },
    ]);
    expect(diff.map(explainFieldChange)).to.deep.equal([
      'isolation: "SIGTERM" → "SIGQUIT"',
      'shm_size: (none) → {"nofile":1024}',
    ]);
  });

  it('environment: added, removed and changed keys, never a value; unchanged keys not listed', () => {
    const diff = configDiff(
      toApplication('web', { ...base, environment: { DB_PASSWORD: 'sekrit-1', OLD: 'sekrit-2', SAME: 'x' } }),
      toApplication('web', {
        ...base,
        environment: { DB_PASSWORD: 'sekrit-3', NEW_KEY: 'sekrit-4', SAME: 'x' },
      }),
    );
    expect(diff).to.deep.equal([
      { field: 'environment', key: 'DB_PASSWORD', change: 'changed' },
      { field: 'environment', key: 'NEW_KEY', change: 'added' },
      { field: 'environment', key: 'OLD', change: 'removed' },
    ]);
    expect(diff.map(explainFieldChange)).to.deep.equal([
      'env DB_PASSWORD: changed',
      'env NEW_KEY: added',
      'env OLD: removed',
    ]);
  });

  it('depends_on alone restarts nothing, but is explained when something else restarts the app', () => {
    const diff = configDiff(
      toApplication('web', base),
      toApplication('web', { ...base, image: 'busybox:2', depends_on: ['db', 'cache'] }),
    );
    expect(diff.map(explainFieldChange)).to.deep.equal([
      'image: busybox:1 → busybox:2',
      'depends_on: (none) → cache, db',
    ]);
  });

  it('the text plan lists every changed field under the stop; the event line names them', () => {
    const before = toApplication('web', {
      image: 'nginx:1.25',
      ports: [{ internal: 80, external: 8080 }],
      volume: { mountpoint: '/data' },
      links: [{ local_port: 5432, remote_port: 5432, alias: 'db' }],
      environment: { DB_PASSWORD: 'sekrit-1', GONE: 'sekrit-2' },
      mem_limit: 1 << 27,
      cpu_shares: 512,
      command: ['nginx'],
      healthcheck: { test: ['CMD', 'true'] },
    });
    const after = toApplication('web', {
      image: 'nginx:1.27',
      ports: [{ internal: 80, external: 8080, host_ip: '127.0.0.1' }],
      volume: { mountpoint: '/srv' },
      links: [],
      environment: { DB_PASSWORD: 'sekrit-3', NEW_KEY: 'sekrit-4' },
      cpu_shares: 1024,
      restart_policy: { name: 'on-failure', maximum_retry_count: 5 },
      entrypoint: ['/bin/sh', '-c'],
      healthcheck: { test: ['CMD-SHELL', 'curl -f localhost'], retries: 3 },
      depends_on: ['db'],
    });
    const stop = {
      kind: 'stop-application',
      name: 'web',
      reason: 'changed',
      config_diff: configDiff(before, after),
    } as const;
    const p: ClusterPlan = { phases: [{ phase: 'stop', nodes: { n1: stop } }] };
    expect(describePlan(p, { n1: '198.51.100.2' })).to.equal(
      [
        'Plan: 1 change on 1 node',
        '',
        'Phase 1/1: stop — stop apps and hand off volumes',
        '  n1 (198.51.100.2)',
        '    - stop web (its configuration changed):',
        '        image: nginx:1.25 → nginx:1.27',
        '        ports: 8080->80 → 127.0.0.1:8080->80',
        '        volume: at /data → at /srv',
        '        links: db:5432->5432 → (none)',
        '        env DB_PASSWORD: changed',
        '        env GONE: removed',
        '        env NEW_KEY: added',
        '        mem_limit: 134217728 (128 MiB) → (no limit)',
        '        cpu_shares: 512 → 1024',
        '        restart: never → on-failure (at most 5 retries)',
        '        command: ["nginx"] → (the image\'s)',
        '        entrypoint: (the image\'s) → ["/bin/sh","-c"]',
        '        healthcheck: {"test":["CMD","true"]} → {"test":["CMD-SHELL","curl -f localhost"],"retries":3}',
        '        depends_on: (none) → db',
        '',
      ].join('\n'),
    );
    expect(describeChange(stop)).to.equal(
      'stop web (its configuration changed: image, ports, volume, links, env DB_PASSWORD, env GONE, env NEW_KEY, mem_limit, cpu_shares, restart, command, entrypoint, healthcheck, depends_on)',
    );
  });

  it('a moved app with a new config says so where it stops', () => {
    const stop = {
      kind: 'stop-application',
      name: 'web',
      reason: 'moved',
      config_diff: configDiff(
        toApplication('web', base),
        toApplication('web', { ...base, image: 'busybox:2' }),
      ),
    } as const;
    expect(describeChange(stop)).to.equal(
      'stop web (moving to another node; its configuration changed: image)',
    );
    expect(describeChange({ kind: 'stop-application', name: 'web', reason: 'moved' })).to.equal(
      'stop web (moving to another node)',
    );
  });
});
