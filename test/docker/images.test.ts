// A node's images as `docker image inspect` prints them (issue 13 item 1): IDs, layer diff IDs,
// tags; lines that are not an image are skipped.
import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { DockerNodeImages, parseImageLines } from '../../src/docker/images.js';
import { NodeCommandError } from '../../src/errors.js';
import type { CommandRunner } from '../../src/exec/runner.js';
import type { NodeFiles } from '../../src/exec/node-files.js';
import type { Spawner } from '../../src/exec/spawn.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;

describe('node images (docker image inspect lines)', () => {
  it('ID, layers bottom first, tags sorted; an untagged image has no tags', () => {
    const text = [
      `"${id('b')}" ["${id('1')}","${id('2')}"] ["z:1","a:2"]`,
      `"${id('a')}" ["${id('1')}"] []`,
      '',
      '"not-an-id" [] []',
    ].join('\n');
    expect(parseImageLines(text)).to.deep.equal([
      { id: id('a'), layers: [id('1')] },
      { id: id('b'), layers: [id('1'), id('2')], tags: ['a:2', 'z:1'] },
    ]);
  });
});

describe('node images: a build and a save run here (the deploying machine has no docker)', () => {
  const files = (): NodeFiles & { data: Map<string, string> } => {
    const data = new Map<string, string>();
    return {
      data,
      read: (p: string) => Promise.resolve(data.get(p)),
      write: (p: string, t: string) => (data.set(p, t), Promise.resolve()),
    } as unknown as NodeFiles & { data: Map<string, string> };
  };
  const runner: CommandRunner = {
    host: 'n1',
    run: () => Promise.resolve({ code: 1, stdout: '', stderr: '' }),
  };
  const spawner =
    (
      calls: string[][],
      reply: { code: number; stdout: string; stderr?: string },
      input?: Buffer[],
    ): Spawner =>
    (argv) => {
      calls.push([...argv]);
      const stdin = new PassThrough();
      stdin.on('data', (b: Buffer) => input?.push(b));
      const done = new Promise<void>((r) => stdin.on('end', r));
      return {
        stdin,
        stdout: Readable.from([Buffer.from(reply.stdout)]),
        exited: done.then(() => ({ code: reply.code, stderr: reply.stderr ?? '' })),
        kill: () => undefined,
      };
    };

  it('docker build - with the context on stdin, labelled ours; the ID is recorded as shipped (prune may remove it)', async () => {
    const calls: string[][] = [];
    const input: Buffer[] = [];
    const f = files();
    const images = new DockerNodeImages(
      runner,
      f,
      spawner(calls, { code: 0, stdout: `${id('c')}\n` }, input),
    );
    const got = await images.build(Readable.from([Buffer.from('TAR')]), {
      tag: 'flocker-build/p-web:latest',
      dockerfile: '.dockerfile.ab12',
      args: { V: '1' },
      target: 'run',
    });
    expect(got).to.equal(id('c'));
    expect(calls).to.deep.equal([
      [
        'docker',
        'build',
        '-q',
        '--label',
        'flocker.shipped=1',
        '-t',
        'flocker-build/p-web:latest',
        '-f',
        '.dockerfile.ab12',
        '--build-arg',
        'V=1',
        '--target',
        'run',
        '-',
      ],
    ]);
    expect(Buffer.concat(input).toString()).to.equal('TAR');
    expect(await images.shipped()).to.deep.equal([id('c')]);
  });

  it('a failed build is a node command error with docker’s words; a tag that is not an image name is refused', async () => {
    const images = new DockerNodeImages(
      runner,
      files(),
      spawner([], { code: 1, stdout: '', stderr: 'COPY failed: file not found' }),
    );
    const e = await images.build(Readable.from([Buffer.from('')]), { tag: 't:1' }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(NodeCommandError);
    expect(String((e as Error).message)).to.include('COPY failed');
    const bad = await images.build(Readable.from([]), { tag: '--rm' }).catch((x: unknown) => x);
    expect(bad).to.have.property('code', 'E_USAGE');
  });

  it('docker save REF into the given stream, which stays open for the caller', async () => {
    const calls: string[][] = [];
    const images = new DockerNodeImages(runner, files(), (argv) => {
      calls.push([...argv]);
      return {
        stdin: new PassThrough(),
        stdout: Readable.from([Buffer.from('ARCHIVE')]),
        exited: Promise.resolve({ code: 0, stderr: '' }),
        kill: () => undefined,
      };
    });
    const out = new PassThrough();
    const got: Buffer[] = [];
    out.on('data', (b: Buffer) => got.push(b));
    await images.save('t:1', out);
    expect(calls).to.deep.equal([['docker', 'save', '--', 't:1']]);
    expect(Buffer.concat(got).toString()).to.equal('ARCHIVE');
    expect(out.writableEnded).to.equal(false);
  });
});
