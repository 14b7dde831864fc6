// The build context of a compose `build:` as a tar stream, for `docker build -` on a node that
// builds it (the deploying machine has no docker). Made as docker/cli makes it for
// `docker build DIR`: the folder walked in name order, what .dockerignore excludes left out
// (the Dockerfile and .dockerignore always kept), symlinks stored as symlinks, owner 0:0, real
// modes and mtimes. A Dockerfile outside the context travels inside it under a generated name,
// listed in the archive's .dockerignore so that COPY never sees it (docker/cli's
// AddDockerfileToBuildContext). Streamed: files are read in chunks as the reader pulls.
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { BuildSpec } from '../model/application.js';
import { FlockerError } from '../errors.js';
import { TAR_END, tarHeader, tarPadding } from '../exec/tar-write.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { ignoreMatcher, readDockerignore } from './dockerignore.js';

export interface BuildContextTar {
  /** the archive; a file that cannot be read midway fails the stream */
  readonly stream: Readable;
  /** what `docker build -f` must be given: the Dockerfile's path inside the archive */
  readonly dockerfile: string;
}

const CHUNK = 64 * 1024;

const buildError = (msg: string): FlockerError => new FlockerError(msg, 'E_IMAGE_BUILD', 'user');

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

// Go sorts names as bytes (filepath.WalkDir); JS compares UTF-16 units
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function contextDir(context: string): Promise<string> {
  let dir: string;
  try {
    dir = await realpath(context);
  } catch (e) {
    throw buildError(
      code(e) === 'ENOENT'
        ? `build context ${context} does not exist`
        : `build context ${context} cannot be read: ${(e as Error).message}`,
    );
  }
  if (!(await stat(dir)).isDirectory()) throw buildError(`build context ${context} is not a folder`);
  return dir;
}

/** the Dockerfile's real path (docker/cli evaluates symlinks, and accepts `dockerfile` too) */
async function dockerfilePath(dir: string, b: BuildSpec): Promise<string> {
  let path = resolve(dir, b.dockerfile ?? 'Dockerfile');
  if (b.dockerfile === undefined) {
    const lower = join(dir, 'dockerfile');
    const exists = async (p: string): Promise<boolean> =>
      lstat(p).then(
        () => true,
        () => false,
      );
    if (!(await exists(path)) && (await exists(lower))) path = lower;
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    throw buildError(
      code(e) === 'ENOENT'
        ? `the Dockerfile ${path} of build context ${b.context} does not exist`
        : `the Dockerfile ${path} cannot be read: ${(e as Error).message}`,
    );
  }
  if (!(await stat(real)).isFile()) throw buildError(`the Dockerfile ${path} is not a file`);
  return real;
}

async function readIgnoreFile(dir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, '.dockerignore'), 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw buildError(`${join(dir, '.dockerignore')} cannot be read: ${(e as Error).message}`);
  }
}

/** a file's bytes in chunks, exactly `size` of them (what its header announced) */
async function* fileData(path: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let done = 0;
    while (done < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      const { bytesRead } = await fh.read(buf, 0, buf.length, done);
      if (bytesRead === 0) throw buildError(`${path} shrank while the build context was read`);
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** docker's rule for an excluded folder: walked all the same when a '!' pattern names a path in it */
function mayReinclude(m: IgnoreMatcher, rel: string): boolean {
  if (!m.exclusions) return false;
  return m.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(`${rel}/`));
}

interface Walk {
  readonly root: string;
  readonly matcher: IgnoreMatcher;
  /** content that replaces a regular file's (the .dockerignore naming a generated Dockerfile) */
  readonly replace: ReadonlyMap<string, Buffer>;
}

const fileFields = (st: Stats): { mode: number; mtime: number; uid: 0; gid: 0 } => ({
  mode: st.mode & 0o7777,
  mtime: Math.floor(st.mtimeMs / 1000),
  uid: 0,
  gid: 0,
});

async function* walk(w: Walk, rel: string): AsyncGenerator<Buffer> {
  const names = (await readdir(rel === '' ? w.root : join(w.root, rel))).sort(byBytes);
  for (const name of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const abs = join(w.root, path);
    const st = await lstat(abs);
    if (w.matcher.excluded(path)) {
      if (st.isDirectory() && mayReinclude(w.matcher, path)) yield* walk(w, path);
      continue;
    }
    if (st.isDirectory()) {
      yield tarHeader({ name: `${path}/`, type: 'dir', ...fileFields(st) });
      yield* walk(w, path);
    } else if (st.isSymbolicLink()) {
      yield tarHeader({ name: path, type: 'symlink', linkname: await readlink(abs), ...fileFields(st) });
    } else if (st.isFile()) {
      const content = w.replace.get(path);
      if (content !== undefined) {
        yield tarHeader({ name: path, type: 'file', size: content.length, ...fileFields(st) });
        yield content;
        yield tarPadding(content.length);
      } else {
        yield tarHeader({ name: path, type: 'file', size: st.size, ...fileFields(st) });
        yield* fileData(abs, st.size);
        yield tarPadding(st.size);
      }
    }
    // sockets, fifos and devices: docker/cli cannot send them either
  }
}

/**
 * The context of a build as a tar stream. Checks the context folder and the Dockerfile before
 * it returns (FlockerError E_IMAGE_BUILD); reads files only as the stream is consumed.
 */
export async function buildContextTar(b: BuildSpec): Promise<BuildContextTar> {
  const root = await contextDir(b.context);
  const df = await dockerfilePath(root, b);
  const ignoreText = await readIgnoreFile(root);
  const patterns = readDockerignore(ignoreText ?? '');
  const rel = relative(root, df).split(sep).join('/');
  const outside = rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel);

  // docker/cli's TrimBuildFilesFromExcludes: both files stay in the archive, the daemon needs them
  const keep = [...patterns];
  if (ignoreMatcher(keep).excluded('.dockerignore')) keep.push('!.dockerignore');
  if (!outside && ignoreMatcher(keep).excluded(rel)) keep.push(`!${rel}`);
  const matcher = ignoreMatcher(keep);

  const replace = new Map<string, Buffer>();
  const extra: Buffer[] = [];
  let dockerfile = rel;
  if (outside) {
    dockerfile = `.dockerfile.${randomBytes(10).toString('hex')}`;
    const ignored = Buffer.from(`${ignoreText ?? '.dockerignore'}\n${dockerfile}\n`);
    const dst = await stat(df);
    const content = await readFile(df);
    const ignoreStat = await lstat(join(root, '.dockerignore')).catch(() => undefined);
    if (ignoreStat?.isFile()) replace.set('.dockerignore', ignored);
    else if (ignoreStat === undefined)
      extra.push(
        tarHeader({ name: '.dockerignore', type: 'file', mode: 0o600, size: ignored.length }),
        ignored,
        tarPadding(ignored.length),
      );
    extra.push(
      tarHeader({
        name: dockerfile,
        type: 'file',
        mode: 0o600,
        size: content.length,
        mtime: Math.floor(dst.mtimeMs / 1000),
      }),
      content,
      tarPadding(content.length),
    );
  }

  async function* archive(): AsyncGenerator<Buffer> {
    try {
      yield* walk({ root, matcher, replace }, '');
    } catch (e) {
      if (e instanceof FlockerError) throw e;
      throw buildError(`reading build context ${b.context}: ${(e as Error).message}`);
    }
    yield* extra;
    yield TAR_END;
  }
  return { stream: Readable.from(archive(), { objectMode: false }), dockerfile };
}
