// Issue 13 item 1, without docker on the deploying machine: a compose build runs on one node that
// runs the app. Its context goes there as a tar archive (.dockerignore applied here, as docker's
// own CLI does) over the deploy's ssh connection into `flocker-changestate build-image`, which
// runs `docker build -` and records the image as ours; the other nodes that run the app get it
// through the usual shipping, saved on the building node and sent on through this machine.
// Builds run after the lock and before the state is gathered, so the plan sees the image there.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { FlockerError } from '../errors.js';
import type { Application, BuildSpec } from '../model/application.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { DeployEvent, Emit } from '../model/events.js';
import type { NodeConnection } from '../ssh/connection.js';
import { dict } from '../util/own.js';
import { buildContextTar } from './build-context.js';
import { buildKey } from './images.js';
import type { LocalDocker } from './images.js';
import { CHANGESTATE, runNodeProgram } from './node-programs.js';

/** A node's docker, reached through the node programs over its ssh connection. */
export class NodeDocker implements LocalDocker {
  /** bytes of the last build's context archive */
  contextBytes = 0;

  constructor(private readonly conn: NodeConnection) {}

  available(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async build(b: BuildSpec, tag: string): Promise<string> {
    const ctx = await buildContextTar(b);
    let bytes = 0;
    const counted = ctx.stream.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      }),
    );
    const argv = [CHANGESTATE, 'build-image', '--tag', tag];
    if (ctx.dockerfile !== undefined) argv.push('--file', ctx.dockerfile);
    if (b.target !== undefined) argv.push('--target', b.target);
    for (const [k, v] of Object.entries(b.args ?? {})) argv.push('--build-arg', `${k}=${v}`);
    const r = await runNodeProgram(this.conn, argv, {
      stdinStream: counted,
      what: `building ${tag} from ${b.context} on this node failed`,
    });
    this.contextBytes = bytes;
    const id = (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { image_id?: unknown }).image_id;
    if (typeof id !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(id))
      throw new FlockerError(
        `${this.conn.node}: docker build of ${tag} printed no image ID`,
        'E_IMAGE_BUILD',
        'system',
      );
    return id;
  }

  /** only images this node built are sent on from it */
  imageId(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  async save(ref: string, file: string): Promise<void> {
    const out = createWriteStream(file);
    try {
      await runNodeProgram(this.conn, [CHANGESTATE, 'save-image', '--ref', ref], {
        stdoutStream: out,
        what: `saving image ${ref} on this node failed`,
      });
    } finally {
      out.end();
      await finished(out).catch(() => undefined);
    }
  }
}

/**
 * The node that builds each build (by buildKey): the first node, by name, that runs an app of it;
 * a build whose apps the deployment runs nowhere is not built.
 */
export function builderNodes(desired: DesiredConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const node of Object.keys(desired.nodes).sort())
    for (const name of desired.nodes[node] ?? []) {
      const app = desired.applications[name];
      if (app?.build && app.image_id === undefined && !out.has(buildKey(app))) out.set(buildKey(app), node);
    }
  return out;
}

export interface NodeBuilds {
  readonly desired: DesiredConfig;
  /** image ID -> the docker of the node that built it (shipping saves it there) */
  readonly builtOn: ReadonlyMap<string, LocalDocker>;
}

/**
 * Build on a node every build the deploying machine left unpinned (it has no docker): once per
 * build, on the first node that runs one of its apps; the others get it through shipping.
 */
export async function buildOnNodes(
  desired: DesiredConfig,
  connection: (node: string) => NodeConnection,
  emit: Emit<DeployEvent>,
  now: () => number = Date.now,
): Promise<NodeBuilds> {
  const builders = builderNodes(desired);
  const ids = new Map<string, string>();
  const apps = dict<Application>();
  const builtOn = new Map<string, LocalDocker>();
  for (const name of Object.keys(desired.applications).sort()) {
    const app = desired.applications[name]!;
    const key = buildKey(app);
    const node = app.build && app.image_id === undefined ? builders.get(key) : undefined;
    if (!app.build || node === undefined) {
      apps[name] = app;
      continue;
    }
    let id = ids.get(key);
    if (id === undefined) {
      const docker = new NodeDocker(connection(node));
      const t0 = now();
      id = await docker.build(app.build, app.image);
      emit({
        type: 'image-built',
        app: name,
        image: app.image,
        image_id: id,
        node,
        context_bytes: docker.contextBytes,
        ms: now() - t0,
      });
      ids.set(key, id);
      builtOn.set(id, docker);
    }
    apps[name] = { ...app, image_id: id };
  }
  return { desired: { ...desired, applications: apps }, builtOn };
}

/** whether some build still waits for a node */
export const needsNodeBuilds = (desired: DesiredConfig): boolean =>
  Object.values(desired.applications).some((a) => a.build !== undefined && a.image_id === undefined);
