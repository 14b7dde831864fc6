// Builds on a node when the deploying machine has no docker (issue 13 item 1): one build per
// build spec and image name, on the first node (by name) that runs one of its apps; the context
// travels as a tar archive on the node program's stdin; the event names the node.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { buildOnNodes, builderNodes, needsNodeBuilds } from '../../src/deploy/node-build.js';
import { indexTar } from '../../src/deploy/image-tar.js';
import { toApplication } from '../../src/model/canonical.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { DeployEvent } from '../../src/model/events.js';
import type { NodeConnection, SshRunOptions } from '../../src/ssh/connection.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;

async function drain(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of s) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

describe('builds on a node (no docker on the deploying machine)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flocker-node-build-'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'Dockerfile'), 'FROM busybox\nCOPY . /www/\n');
    writeFileSync(join(dir, 'app', 'index.html'), 'v1\n');
    writeFileSync(join(dir, 'app', 'notes.log'), 'ignored\n');
    writeFileSync(join(dir, 'app', '.dockerignore'), '*.log\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const desired = (): DesiredConfig => {
    const build = { context: join(dir, 'app'), args: { V: '1' } };
    return {
      applications: {
        web: toApplication('web', { image: 'p/app:1', build }),
        worker: toApplication('worker', { image: 'p/app:1', build }),
        idle: toApplication('idle', { image: 'p/idle:1', build: { context: join(dir, 'app') } }),
        db: toApplication('db', { image: 'postgres:16' }),
      },
      nodes: { n2: ['web'], n1: ['db', 'worker'] },
    };
  };

  it('one build per spec and name, on the first node that runs it; the context goes on stdin, .dockerignore applied', async () => {
    const calls: { node: string; argv: string[]; names: string[] }[] = [];
    const conn = (node: string): NodeConnection =>
      ({
        node,
        run: async (argv: readonly string[], opts: SshRunOptions = {}) => {
          const tar = await drain(opts.stdinStream!);
          const names = indexTar((o, n) => tar.subarray(o, o + n), tar.length).map((e) => e.name);
          calls.push({ node, argv: [...argv], names });
          return { code: 0, stdout: `${JSON.stringify({ image_id: id('b') })}\n`, stderr: '' };
        },
      }) as unknown as NodeConnection;
    const d = desired();
    expect(needsNodeBuilds(d)).to.equal(true);
    expect([...builderNodes(d).values()]).to.deep.equal(['n1']); // idle runs nowhere: not built
    const events: DeployEvent[] = [];
    const r = await buildOnNodes(
      d,
      conn,
      (e) => events.push(e),
      () => 0,
    );
    expect(calls.map((c) => c.node)).to.deep.equal(['n1']);
    expect(calls[0]!.argv).to.deep.equal([
      'flocker-changestate',
      'build-image',
      '--tag',
      'p/app:1',
      '--file',
      'Dockerfile',
      '--build-arg',
      'V=1',
    ]);
    expect(calls[0]!.names.sort()).to.deep.equal(['.dockerignore', 'Dockerfile', 'index.html']);
    expect(r.desired.applications['web']!.image_id).to.equal(id('b'));
    expect(r.desired.applications['worker']!.image_id).to.equal(id('b'));
    expect(r.desired.applications['idle']!.image_id).to.equal(undefined);
    expect(r.desired.applications['db']).to.deep.equal(d.applications['db']);
    expect([...r.builtOn.keys()]).to.deep.equal([id('b')]);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ type: 'image-built', app: 'web', node: 'n1', image_id: id('b'), ms: 0 });
    expect((events[0] as { context_bytes: number }).context_bytes).to.be.greaterThan(1024);
    expect(needsNodeBuilds(r.desired)).to.equal(true); // idle: still unbuilt, and harmless
  });

  it('a failed build on the node is that node’s error, with docker’s words', async () => {
    const conn = (node: string): NodeConnection =>
      ({
        node,
        run: async (_argv: readonly string[], opts: SshRunOptions = {}) => {
          await drain(opts.stdinStream!);
          return { code: 1, stdout: '', stderr: 'flocker-changestate: COPY failed: no such file\n' };
        },
      }) as unknown as NodeConnection;
    const e = await buildOnNodes(desired(), conn, () => undefined).catch((x: unknown) => x);
    expect(e).to.have.property('code', 'E_NODE_COMMAND');
    expect(String((e as Error).message))
      .to.include('n1')
      .and.include('COPY failed');
  });
});
