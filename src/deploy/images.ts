// Issue 13 item 1: images without a registry, deploy side. Builds of compose `build:` run once
// here, on the deploying machine's docker, before planning (without docker here, on one node
// that runs the app: node-build.ts): each app then carries its image ID,
// so a changed build restarts the app and an unchanged one does not. With --ship-images an
// `image:` this machine has is pinned and sent the same way. Before anything is stopped, each
// node that will run an image and lacks it gets it over the deploy's own ssh connection:
// `docker save` here (spooled to a temporary file: its manifest comes last), cut down to the
// layers the node lacks (image-tar.ts), piped into `flocker-changestate load-image` there, which
// checks the image ID after the load.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { FlockerError, NodeError } from '../errors.js';
import type { BuildSpec } from '../model/application.js';
import type { Application } from '../model/application.js';
import type { DesiredConfig } from '../model/deployment.js';
import type { DeployEvent, Emit } from '../model/events.js';
import type { ClusterState } from '../model/state.js';
import type { CommandRunner } from '../exec/runner.js';
import { LocalRunner } from '../exec/local-runner.js';
import { imageShipments } from '../plan/image-layers.js';
import type { ImageShipment } from '../plan/image-layers.js';
import type { NodeConnection } from '../ssh/connection.js';
import { TAR_END, cutSavedImage, cutSize, indexTar, nodeChainIds } from './image-tar.js';
import type { TarEntry } from './image-tar.js';
import { CHANGESTATE, runNodeProgram } from './node-programs.js';
import { dict } from '../util/own.js';
import { dockerBuildArgv } from '../docker/images.js';

/** an image on its way to a node says how far it got at most this often */
export const IMAGE_PROGRESS_MS = 1000;

/** The deploying machine's docker, as the deploy uses it. */
export interface LocalDocker {
  /** whether a docker daemon answers (without one, builds run on a node) */
  available(): Promise<boolean>;
  /** build; resolves with the image ID */
  build(b: BuildSpec, tag: string): Promise<string>;
  /** the image ID of `ref` here; undefined when this machine does not have it */
  imageId(ref: string): Promise<string | undefined>;
  /** `docker save ref` into `file` */
  save(ref: string, file: string): Promise<void>;
}

const ID_RE = /sha256:[0-9a-f]{64}/g;

/** The docker CLI of this machine (DOCKER_HOST and friends as the environment says). */
export class DockerCli implements LocalDocker {
  constructor(
    private readonly runner: CommandRunner = new LocalRunner(),
    private readonly docker = 'docker',
  ) {}

  private noDocker(stderr: string): FlockerError {
    return new FlockerError(
      `docker is needed on the deploying machine to build or send images: ${stderr.trim().split('\n')[0] ?? ''}`,
      'E_IMAGE_NO_DOCKER',
      'user',
    );
  }

  async available(): Promise<boolean> {
    const r = await this.runner.run([this.docker, 'version', '--format', '{{.Server.Version}}']);
    return r.code === 0 && r.stdout.trim() !== '';
  }

  async build(b: BuildSpec, tag: string): Promise<string> {
    const dockerfile = b.dockerfile === undefined ? {} : { dockerfile: resolve(b.context, b.dockerfile) };
    const argv = dockerBuildArgv(this.docker, tag, { ...b, ...dockerfile }, ['--', b.context]);
    const r = await this.runner.run(argv);
    if (r.code === 127 || /Cannot connect to the Docker daemon|docker daemon is not running/i.test(r.stderr))
      throw this.noDocker(r.stderr);
    if (r.code !== 0)
      throw new FlockerError(
        `building ${tag} from ${b.context} failed (exit ${String(r.code)}):\n${r.stderr.trim()}`,
        'E_IMAGE_BUILD',
        'user',
      );
    const id = (r.stdout.match(ID_RE) ?? []).pop() ?? (await this.imageId(tag));
    if (id === undefined)
      throw new FlockerError(`docker build of ${tag} printed no image ID`, 'E_IMAGE_BUILD', 'user');
    return id;
  }

  async imageId(ref: string): Promise<string | undefined> {
    const r = await this.runner.run([this.docker, 'image', 'inspect', '--format', '{{.Id}}', '--', ref]);
    if (r.code === 0) return r.stdout.trim();
    if (r.code === 127 || /Cannot connect to the Docker daemon/i.test(r.stderr))
      throw this.noDocker(r.stderr);
    return undefined;
  }

  async save(ref: string, file: string): Promise<void> {
    const r = await this.runner.run([this.docker, 'save', '-o', file, '--', ref]);
    if (r.code !== 0)
      throw new FlockerError(`docker save ${ref} failed: ${r.stderr.trim()}`, 'E_IMAGE_SHIP', 'system');
  }
}

/** apps built from one spec under one name share one build */
export const buildKey = (app: Application): string => JSON.stringify([app.image, app.build]);

export interface ImageOptions {
  readonly docker: LocalDocker;
  /** --ship-images (or a lab deployment): pin and send `image:` images this machine has */
  readonly ship: boolean;
  /**
   * shipping was not asked for (a lab deployment): no docker on this machine is no error, the
   * nodes use their own images as without it (builds still need docker)
   */
  readonly shipIfDocker?: boolean;
}

/**
 * The desired config with each built or shipped image pinned by ID (image_id). Builds run here,
 * once per app, when this machine has docker (else they are left for a node: buildOnNodes); an
 * app neither built nor shipped is left as it is (its nodes pull it).
 */
export async function pinImages(
  desired: DesiredConfig,
  opts: ImageOptions,
  emit: Emit<DeployEvent>,
  now: () => number = Date.now,
): Promise<DesiredConfig> {
  const apps = dict<Application>();
  const builds = Object.values(desired.applications).some((a) => a.build);
  const here = builds && (await opts.docker.available());
  const built = new Map<string, string>();
  for (const name of Object.keys(desired.applications).sort()) {
    const app = desired.applications[name]!;
    let id: string | undefined;
    if (app.build) {
      // without docker here the build waits for a node (buildOnNodes); apps built from one spec
      // under one name share one build
      id = here ? built.get(buildKey(app)) : undefined;
      if (here && id === undefined) {
        const t0 = now();
        id = await opts.docker.build(app.build, app.image);
        built.set(buildKey(app), id);
        emit({ type: 'image-built', app: name, image: app.image, image_id: id, ms: now() - t0 });
      }
    } else if (opts.ship)
      id = await opts.docker.imageId(app.image).catch((e: unknown) => {
        if (opts.shipIfDocker && e instanceof FlockerError && e.code === 'E_IMAGE_NO_DOCKER')
          return undefined;
        throw e;
      });
    apps[name] = id !== undefined ? { ...app, image_id: id } : app;
  }
  return { ...desired, applications: apps };
}

/** The bytes of the kept entries, then the end of the archive, read from the spooled file. */
function cutStream(fd: number, keep: readonly TarEntry[], onBytes: (n: number) => void): Readable {
  const CHUNK = 1 << 20;
  function* chunks(): Generator<Buffer> {
    for (const e of keep) {
      for (let off = e.start; off < e.end; off += CHUNK) {
        const n = Math.min(CHUNK, e.end - off);
        const b = Buffer.alloc(n);
        readSync(fd, b, 0, n, off);
        onBytes(n);
        yield b;
      }
    }
    yield TAR_END;
  }
  return Readable.from(chunks(), { objectMode: false });
}

export interface ShipTarget {
  connection(node: string): NodeConnection;
  readonly clusterState: ClusterState;
}

/**
 * Send every image a node that will run it lacks; one `docker save` per image, from this
 * machine's docker or, for an image a node built (`builtOn`: image ID -> that node's docker),
 * from that node.
 */
export async function shipImages(
  desired: DesiredConfig,
  target: ShipTarget,
  docker: LocalDocker,
  emit: Emit<DeployEvent>,
  now: () => number = Date.now,
  builtOn: ReadonlyMap<string, LocalDocker> = new Map(),
): Promise<ImageShipment[]> {
  const shipments = imageShipments(desired, target.clusterState);
  const byImage = new Map<string, ImageShipment[]>();
  for (const s of shipments)
    (byImage.get(s.image_id) ?? byImage.set(s.image_id, []).get(s.image_id)!).push(s);
  for (const [id, list] of byImage) {
    const dir = mkdtempSync(join(tmpdir(), 'flocker-image-'));
    try {
      const file = join(dir, 'image.tar');
      // saved by name (the node gets the tag too) and checked there by ID after the load
      const ref = list[0]!.image;
      await (builtOn.get(id) ?? docker).save(ref, file);
      const size = statSync(file).size;
      const fd = openSync(file, 'r');
      try {
        const read = (o: number, n: number): Buffer => {
          const b = Buffer.alloc(n);
          readSync(fd, b, 0, n, o);
          return b;
        };
        const entries = indexTar(read, size);
        const settled = await Promise.allSettled(
          list.map(async (s) => {
            const have = nodeChainIds(target.clusterState.nodes[s.node]?.state.images ?? []);
            const cut = cutSavedImage(entries, read, have);
            const t0 = now();
            const total = cutSize(cut);
            let sent = 0;
            let shown = t0;
            const onBytes = (n: number): void => {
              sent += n;
              if (now() - shown < IMAGE_PROGRESS_MS) return;
              shown = now();
              emit({
                type: 'image-progress',
                node: s.node,
                image: s.image,
                bytes: sent,
                total,
                ms: shown - t0,
              });
            };
            await runNodeProgram(
              target.connection(s.node),
              [CHANGESTATE, 'load-image', '--ref', ref, '--id', id],
              { stdinStream: cutStream(fd, cut.keep, onBytes), what: `sending image ${s.image} failed` },
            );
            emit({
              type: 'image-shipped',
              node: s.node,
              image: s.image,
              image_id: id,
              bytes: total,
              image_bytes: size,
              ms: now() - t0,
            });
          }),
        );
        const failed = settled.flatMap((r, i) =>
          r.status === 'rejected' ? [[list[i]!.node, r.reason] as const] : [],
        );
        if (failed[0]) {
          const [node, e] = failed[0];
          throw e instanceof FlockerError ? e : new NodeError(node, String(e), 'E_IMAGE_SHIP');
        }
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return shipments;
}

/**
 * A deployment file flocker-lab wrote (its labs live under /var/lib/flocker-lab, src/lab/names.ts;
 * not imported: the deploy side does not depend on the lab): lab nodes reach no registry, so
 * images are shipped there without --ship-images.
 */
export function isLabDeployment(deploymentPath: string): boolean {
  return resolve(deploymentPath).startsWith('/var/lib/flocker-lab/');
}
