// The build context archive, extracted by GNU tar: what .dockerignore excludes is left out,
// modes, mtimes and symlinks survive, long paths travel in pax, a Dockerfile outside the
// context travels under a generated name, and the same tree gives the same bytes.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { buildContextTar } from '../../src/deploy/build-context.js';

const longName = `${'n'.repeat(120)}.txt`;
const deepDir = ['d'.repeat(50), 'e'.repeat(50), 'f'.repeat(50)].join('/');
const longTarget = `${'../'.repeat(10)}${'t'.repeat(90)}`;

let scratch: string;

function put(root: string, rel: string, body: string, mode = 0o644): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, body);
  chmodSync(p, mode);
  utimesSync(p, 1_650_000_000, 1_650_000_000);
}

/** a context with files to keep, to exclude, and to re-include */
function makeContext(root: string): void {
  put(root, 'Dockerfile', 'FROM scratch\nCOPY . /\n');
  put(root, '.dockerignore', '# build junk\nnode_modules\n*.log\n!keep.log\nsecret/\n!secret/public.txt\n');
  put(root, 'app.js', 'console.log(1)\n');
  put(root, 'run.sh', '#!/bin/sh\necho run\n', 0o755);
  put(root, 'private.txt', 'mine\n', 0o600);
  put(root, 'debug.log', 'noise');
  put(root, 'keep.log', 'kept');
  put(root, 'node_modules/x/index.js', 'x');
  put(root, 'secret/key', 'k');
  put(root, 'secret/public.txt', 'p');
  put(root, `${deepDir}/${longName}`, 'deep');
  put(root, 'big.bin', 'z'.repeat(200_000));
  symlinkSync('app.js', join(root, 'link'));
  symlinkSync(longTarget, join(root, 'longlink'));
  mkdirSync(join(root, 'empty'));
  spawnSync('mkfifo', [join(root, 'fifo')]);
}

async function bytesOf(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** the stream piped into `tar -x -C dir` */
function extract(s: Readable, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  return new Promise((ok, fail) => {
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
    tar.on('close', (rc) => (rc === 0 ? ok() : fail(new Error(`tar -x: ${rc} ${err}`))));
    s.on('error', fail);
    s.pipe(tar.stdin);
  });
}

/** every path under dir, with type and permission bits (and a link's target) */
function tree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(join(dir, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) out.push(`${path}/`, ...tree(dir, path));
    else if (st.isSymbolicLink()) out.push(`${path} -> ${readlinkSync(join(dir, path))}`);
    else out.push(`${path} ${mode}`);
  }
  return out;
}

describe('build context archive', () => {
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'flocker-build-context-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds what .dockerignore keeps, with modes, mtimes, symlinks and long paths', async () => {
    const ctx = join(scratch, 'ctx');
    makeContext(ctx);
    const { stream, dockerfile } = await buildContextTar({ context: ctx });
    expect(dockerfile).to.equal('Dockerfile');
    const out = join(scratch, 'out');
    await extract(stream, out);
    expect(tree(out)).to.deep.equal([
      '.dockerignore 644',
      'Dockerfile 644',
      'app.js 644',
      'big.bin 644',
      'd'.repeat(50) + '/',
      `${'d'.repeat(50)}/${'e'.repeat(50)}/`,
      `${deepDir}/`,
      `${deepDir}/${longName} 644`,
      'empty/',
      'keep.log 644',
      `link -> app.js`,
      `longlink -> ${longTarget}`,
      'private.txt 600',
      'run.sh 755',
      'secret/',
      'secret/public.txt 644',
    ]);
    expect(readFileSync(join(out, deepDir, longName), 'utf8')).to.equal('deep');
    expect(readFileSync(join(out, 'big.bin'), 'utf8')).to.equal('z'.repeat(200_000));
    expect(lstatSync(join(out, 'run.sh')).mtimeMs).to.equal(1_650_000_000_000);

    const again = await buildContextTar({ context: ctx });
    const listing = spawnSync('tar', ['-tv'], { input: await bytesOf(again.stream) }).stdout.toString();
    // owner 0:0; an excluded folder re-entered for a '!' pattern is not itself an entry
    expect(listing).to.match(/-rwxr-xr-x 0\/0 +\d+ 2022-04-15 \d\d:\d\d run\.sh/);
    expect(listing.split('\n').some((l) => / secret\/$/.test(l))).to.equal(false);
    expect(listing).to.not.contain('node_modules');
    expect(listing).to.not.contain('fifo');
  });

  it('gives the same bytes for the same tree', async () => {
    const ctx = join(scratch, 'ctx');
    makeContext(ctx);
    const sha = async (): Promise<string> =>
      createHash('sha256')
        .update(await bytesOf((await buildContextTar({ context: ctx })).stream))
        .digest('hex');
    expect(await sha()).to.equal(await sha());
  });

  it('keeps the Dockerfile and .dockerignore even when excluded, the Dockerfile inside an excluded folder', async () => {
    const ctx = join(scratch, 'ctx');
    put(ctx, '.dockerignore', '.dockerignore\nbuild\n*\n');
    put(ctx, 'build/Dockerfile', 'FROM scratch\n');
    put(ctx, 'build/other', 'o');
    put(ctx, 'src.txt', 's');
    const { stream, dockerfile } = await buildContextTar({ context: ctx, dockerfile: 'build/Dockerfile' });
    expect(dockerfile).to.equal('build/Dockerfile');
    const out = join(scratch, 'out');
    await extract(stream, out);
    expect(tree(out)).to.deep.equal(['.dockerignore 644', 'build/', 'build/Dockerfile 644']);
  });

  it('takes a lowercase dockerfile when there is no Dockerfile, as docker/cli does', async () => {
    const ctx = join(scratch, 'ctx');
    put(ctx, 'dockerfile', 'FROM scratch\n');
    expect((await buildContextTar({ context: ctx })).dockerfile).to.equal('dockerfile');
  });

  it('adds a Dockerfile outside the context under a generated name, listed in .dockerignore', async () => {
    const ctx = join(scratch, 'ctx');
    put(ctx, 'app.js', 'a');
    put(scratch, 'other/Dockerfile.prod', 'FROM scratch\nCOPY app.js /\n');
    const { stream, dockerfile } = await buildContextTar({
      context: ctx,
      dockerfile: '../other/Dockerfile.prod',
    });
    expect(dockerfile).to.match(/^\.dockerfile\.[0-9a-f]{20}$/);
    const out = join(scratch, 'out');
    await extract(stream, out);
    expect(tree(out)).to.deep.equal([`${dockerfile} 600`, '.dockerignore 600', 'app.js 644']);
    expect(readFileSync(join(out, dockerfile), 'utf8')).to.equal('FROM scratch\nCOPY app.js /\n');
    expect(readFileSync(join(out, '.dockerignore'), 'utf8')).to.equal(`.dockerignore\n${dockerfile}\n`);

    // an existing .dockerignore gets the name appended
    put(ctx, '.dockerignore', '*.tmp');
    const again = await buildContextTar({ context: ctx, dockerfile: join(scratch, 'other/Dockerfile.prod') });
    const out2 = join(scratch, 'out2');
    await extract(again.stream, out2);
    expect(readFileSync(join(out2, '.dockerignore'), 'utf8')).to.equal(`*.tmp\n${again.dockerfile}\n`);
  });

  it('refuses a missing context or Dockerfile with E_IMAGE_BUILD', async () => {
    const fails = async (p: Promise<unknown>): Promise<{ code: string; message: string }> => {
      try {
        await p;
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('expected a failure');
    };
    const noCtx = await fails(buildContextTar({ context: join(scratch, 'nope') }));
    expect(noCtx.code).to.equal('E_IMAGE_BUILD');
    expect(noCtx.message).to.contain('does not exist');
    mkdirSync(join(scratch, 'ctx'));
    const noDf = await fails(buildContextTar({ context: join(scratch, 'ctx') }));
    expect(noDf.code).to.equal('E_IMAGE_BUILD');
    expect(noDf.message).to.contain('Dockerfile');
    const badIgnore = join(scratch, 'ctx2');
    put(badIgnore, 'Dockerfile', 'FROM scratch\n');
    put(badIgnore, '.dockerignore', '[abc\n');
    expect((await fails(buildContextTar({ context: badIgnore }))).code).to.equal('E_IMAGE_BUILD');
  });
});
