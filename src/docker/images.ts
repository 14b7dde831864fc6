// Issue 13 item 1: a node's docker images, as the deploy needs them to send only what a node
// lacks (IDs and layer diff IDs), the load of a sent archive (checked by image ID), and the
// record of the images the deploy sent here (prune removes those no app uses any more; images
// the node got otherwise are never ours to remove).
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandRunner } from '../exec/runner.js';
import type { NodeFiles } from '../exec/node-files.js';
import type { Spawner } from '../exec/spawn.js';
import { FlockerError, NodeCommandError } from '../errors.js';
import type { ReportedImage } from '../model/state.js';

export const SHIPPED_IMAGES_FILE = '/var/lib/flocker/shipped-images.json';
const IMAGE_ID_RE = /^sha256:[0-9a-f]{64}$/;
/** label on every image a deploy builds: ours to prune */
export const SHIPPED_LABEL = 'flocker.shipped=1';
/** a docker image reference as a build tag (no option-like or empty names reach docker) */
const TAG_RE = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/**
 * `docker build` with the flags of a build, labelled ours; `context` ends the argv (a folder
 * after `--`, or `-` for an archive on stdin). One place for both the deploying machine's
 * build and a node's.
 */
export function dockerBuildArgv(
  docker: string,
  tag: string,
  b: {
    readonly dockerfile?: string;
    readonly args?: Readonly<Record<string, string>>;
    readonly target?: string;
  },
  context: readonly string[],
): string[] {
  const argv = [docker, 'build', '-q', '--label', SHIPPED_LABEL, '-t', tag];
  if (b.dockerfile !== undefined) argv.push('-f', b.dockerfile);
  for (const [k, v] of Object.entries(b.args ?? {})) argv.push('--build-arg', `${k}=${v}`);
  if (b.target !== undefined) argv.push('--target', b.target);
  return [...argv, ...context];
}

/** A build run on this node: the context archive arrives on stdin (docker build -). */
export interface NodeBuild {
  readonly tag: string;
  /** the Dockerfile's path inside the context archive */
  readonly dockerfile?: string;
  readonly args?: Readonly<Record<string, string>>;
  readonly target?: string;
}

export interface NodeImages {
  /** every image on the node (IDs, layers, tags) */
  list(): Promise<ReportedImage[]>;
  /** IDs of the images the deploy sent here, oldest first */
  shipped(): Promise<string[]>;
  /** load an archive from `input`; the image `ref` must then be `id` (recorded as shipped) */
  load(input: Readable, ref: string, id: string): Promise<{ readonly bytes: number }>;
  /**
   * build from a context archive on `context` (the deploying machine has no docker); the image
   * is recorded as shipped (prune removes it once no app uses it); resolves with its ID
   */
  build(context: Readable, b: NodeBuild): Promise<string>;
  /** `docker save ref` into `out` (to be sent on to the other nodes that run it) */
  save(ref: string, out: Writable): Promise<void>;
  /** remove a shipped image (and its record); an image still used by a container stays */
  removeShipped(id: string): Promise<boolean>;
}

/** `docker image inspect` lines: ID, layers and tags of each image (JSON on one line each) */
const FORMAT = '{{json .Id}} {{json .RootFS.Layers}} {{json .RepoTags}}';

export function parseImageLines(text: string): ReportedImage[] {
  const out: ReportedImage[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [id, layers, tags] = line.split(' ').map((p) => JSON.parse(p) as unknown);
    if (typeof id !== 'string' || !IMAGE_ID_RE.test(id)) continue;
    const ls = Array.isArray(layers) ? layers.filter((l): l is string => typeof l === 'string') : [];
    const ts = Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
    out.push({ id, layers: ls, ...(ts.length ? { tags: ts.sort() } : {}) });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

export class DockerNodeImages implements NodeImages {
  constructor(
    private readonly runner: CommandRunner,
    private readonly files: NodeFiles,
    private readonly spawner: Spawner,
    private readonly docker = 'docker',
  ) {}

  async list(): Promise<ReportedImage[]> {
    const ids = await this.runner.run([this.docker, 'image', 'ls', '-q', '--no-trunc']);
    if (ids.code !== 0)
      throw new NodeCommandError(this.runner.host, ['docker', 'image', 'ls'], ids.code, ids.stderr);
    const unique = [...new Set(ids.stdout.split('\n').filter((l) => IMAGE_ID_RE.test(l.trim())))];
    if (unique.length === 0) return [];
    const r = await this.runner.run([this.docker, 'image', 'inspect', '--format', FORMAT, '--', ...unique]);
    // an image removed between the two commands is no error: the others are listed
    return parseImageLines(r.stdout);
  }

  async shipped(): Promise<string[]> {
    const text = await this.files.read(SHIPPED_IMAGES_FILE);
    if (text === undefined) return [];
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && IMAGE_ID_RE.test(x)) : [];
  }

  private async record(ids: string[]): Promise<void> {
    await this.files.write(SHIPPED_IMAGES_FILE, `${JSON.stringify(ids)}\n`, 0o600);
  }

  /** recorded as ours: prune removes it once no app here uses it */
  private async markShipped(id: string): Promise<void> {
    const before = await this.shipped();
    if (!before.includes(id)) await this.record([...before, id]);
  }

  async load(input: Readable, ref: string, id: string): Promise<{ readonly bytes: number }> {
    if (!IMAGE_ID_RE.test(id))
      throw new FlockerError(`expected an image ID, found ${JSON.stringify(id)}`, 'E_USAGE');
    const p = this.spawner([this.docker, 'load', '-q']);
    let bytes = 0;
    input.on('data', (b: Buffer) => (bytes += b.length));
    input.pipe(p.stdin);
    const exit = await p.exited;
    if (exit.code !== 0)
      throw new NodeCommandError(
        this.runner.host,
        ['docker', 'load'],
        exit.code,
        exit.stderr,
        'loading the image failed',
      );
    const r = await this.runner.run([this.docker, 'image', 'inspect', '--format', '{{.Id}}', '--', ref]);
    const got = r.stdout.trim();
    if (r.code !== 0 || got !== id)
      throw new FlockerError(
        `the image ${ref} loaded here is ${got || 'missing'}, expected ${id} (the archive was damaged or incomplete)`,
        'E_IMAGE_MISMATCH',
        'system',
      );
    await this.markShipped(id);
    return { bytes };
  }

  async build(context: Readable, b: NodeBuild): Promise<string> {
    if (!TAG_RE.test(b.tag))
      throw new FlockerError(
        `expected an image name to tag the build with, found ${JSON.stringify(b.tag)}`,
        'E_USAGE',
      );
    const argv = dockerBuildArgv(this.docker, b.tag, b, ['-']);
    const p = this.spawner(argv);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    context.pipe(p.stdin);
    const exit = await p.exited;
    if (exit.code !== 0)
      throw new NodeCommandError(this.runner.host, argv, exit.code, exit.stderr, `building ${b.tag} failed`);
    const id =
      (out.match(/sha256:[0-9a-f]{64}/g) ?? []).pop() ??
      (
        await this.runner.run([this.docker, 'image', 'inspect', '--format', '{{.Id}}', '--', b.tag])
      ).stdout.trim();
    if (!IMAGE_ID_RE.test(id))
      throw new FlockerError(`docker build of ${b.tag} printed no image ID`, 'E_IMAGE_BUILD', 'system');
    await this.markShipped(id);
    return id;
  }

  async save(ref: string, out: Writable): Promise<void> {
    const argv = [this.docker, 'save', '--', ref];
    const p = this.spawner(argv);
    const copied = pipeline(p.stdout, out, { end: false });
    const [exit] = await Promise.all([p.exited, copied]);
    if (exit.code !== 0)
      throw new NodeCommandError(this.runner.host, argv, exit.code, exit.stderr, `saving ${ref} failed`);
  }

  async removeShipped(id: string): Promise<boolean> {
    const r = await this.runner.run([this.docker, 'image', 'rm', '--', id]);
    const gone = r.code === 0 || /no such image/i.test(r.stderr);
    if (gone) await this.record((await this.shipped()).filter((x) => x !== id));
    return gone;
  }
}
