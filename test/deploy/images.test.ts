// The deploy side of images without a registry (issue 13 item 1): builds pin the app's image ID
// (a changed build restarts, an unchanged one does not), --ship-images pins images this machine
// has, a lab deployment ships without the flag.
import { expect } from 'chai';
import { FlockerError } from '../../src/errors.js';
import { DockerCli, isLabDeployment, pinImages } from '../../src/deploy/images.js';
import type { LocalDocker } from '../../src/deploy/images.js';
import type { CommandResult, CommandRunner } from '../../src/exec/runner.js';
import { toApplication } from '../../src/model/canonical.js';
import type { DesiredConfig } from '../../src/model/deployment.js';
import type { DeployEvent } from '../../src/model/events.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;

class FakeDocker implements LocalDocker {
  readonly builds: string[] = [];
  constructor(
    private readonly ids: Record<string, string>,
    private readonly have: Record<string, string> = {},
    private readonly daemon = true,
  ) {}
  available(): Promise<boolean> {
    return Promise.resolve(this.daemon);
  }
  build(b: { context: string }, tag: string): Promise<string> {
    this.builds.push(`${tag} ${b.context}`);
    return Promise.resolve(this.ids[tag]!);
  }
  imageId(ref: string): Promise<string | undefined> {
    return Promise.resolve(this.have[ref]);
  }
  save(): Promise<void> {
    return Promise.resolve();
  }
}

const desired: DesiredConfig = {
  applications: {
    web: toApplication('web', { image: 'flocker-build/p-web', build: { context: '/p/web' } }),
    db: toApplication('db', { image: 'postgres:16' }),
  },
  nodes: { n1: ['db', 'web'] },
};

describe('images: build and pin (deploy side)', () => {
  it('a build pins its image ID and says so; other images are left to the nodes', async () => {
    const events: DeployEvent[] = [];
    const docker = new FakeDocker({ 'flocker-build/p-web:latest': id('a') });
    const d = await pinImages(
      desired,
      { docker, ship: false },
      (e) => events.push(e),
      () => 0,
    );
    expect(d.applications['web']!.image_id).to.equal(id('a'));
    expect(d.applications['db']!.image_id).to.equal(undefined);
    expect(docker.builds).to.deep.equal(['flocker-build/p-web:latest /p/web']);
    expect(events).to.deep.equal([
      { type: 'image-built', app: 'web', image: 'flocker-build/p-web:latest', image_id: id('a'), ms: 0 },
    ]);
  });

  it('--ship-images pins an image: this machine has (one it lacks stays for the nodes to pull)', async () => {
    const docker = new FakeDocker({ 'flocker-build/p-web:latest': id('a') }, { 'postgres:16': id('d') });
    const d = await pinImages(desired, { docker, ship: true }, () => undefined);
    expect(d.applications['db']!.image_id).to.equal(id('d'));
    const none = await pinImages(
      desired,
      { docker: new FakeDocker({ 'flocker-build/p-web:latest': id('a') }), ship: true },
      () => undefined,
    );
    expect(none.applications['db']!.image_id).to.equal(undefined);
  });

  it('a lab deployment without docker on this machine: nothing pinned, no error (--ship-images: E_IMAGE_NO_DOCKER)', async () => {
    const noDocker = new FakeDocker({});
    noDocker.imageId = () =>
      Promise.reject(
        new FlockerError('docker is needed on the deploying machine', 'E_IMAGE_NO_DOCKER', 'user'),
      );
    const only = { ...desired, applications: { db: desired.applications['db']! }, nodes: { n1: ['db'] } };
    const d = await pinImages(only, { docker: noDocker, ship: true, shipIfDocker: true }, () => undefined);
    expect(d.applications['db']!.image_id).to.equal(undefined);
    let err: unknown;
    await pinImages(only, { docker: noDocker, ship: true }, () => undefined).catch((e: unknown) => (err = e));
    expect(err).to.have.property('code', 'E_IMAGE_NO_DOCKER');
  });

  it('no docker daemon here: a build is left for a node (not pinned, no error), other pins as before', async () => {
    const docker = new FakeDocker(
      { 'flocker-build/p-web:latest': id('a') },
      { 'postgres:16': id('d') },
      false,
    );
    const events: DeployEvent[] = [];
    const d = await pinImages(desired, { docker, ship: false }, (e) => events.push(e));
    expect(d.applications['web']!.image_id).to.equal(undefined);
    expect(d.applications['web']!.build).to.deep.equal({ context: '/p/web' });
    expect(docker.builds).to.deep.equal([]);
    expect(events).to.deep.equal([]);
    const calls: string[][] = [];
    const cli = (code: number, stdout: string) =>
      new DockerCli({
        host: 'localhost',
        run: (argv) => (calls.push([...argv]), Promise.resolve({ code, stdout, stderr: '' })),
      });
    expect(await cli(0, '20.10.24\n').available()).to.equal(true);
    expect(await cli(1, '\n').available()).to.equal(false);
    expect(calls[0]).to.deep.equal(['docker', 'version', '--format', '{{.Server.Version}}']);
  });

  it('a lab deployment file ships images without the flag', () => {
    expect(isLabDeployment('/var/lib/flocker-lab/h2lab/deployment.yml')).to.equal(true);
    expect(isLabDeployment('deployment.yml')).to.equal(false);
  });

  it('the docker CLI: build argv, the ID it prints, and no docker here refused with E_IMAGE_NO_DOCKER', async () => {
    const calls: string[][] = [];
    const reply = (r: CommandResult): CommandRunner => ({
      host: 'localhost',
      run: (argv) => (calls.push([...argv]), Promise.resolve(r)),
    });
    const ok = new DockerCli(reply({ code: 0, stdout: `${id('e')}\n`, stderr: '' }));
    const got = await ok.build(
      { context: '/p/web', dockerfile: 'd/Dockerfile', args: { V: '1' }, target: 'run' },
      't:1',
    );
    expect(got).to.equal(id('e'));
    expect(calls[0]).to.deep.equal([
      'docker',
      'build',
      '-q',
      '--label',
      'flocker.shipped=1',
      '-t',
      't:1',
      '-f',
      '/p/web/d/Dockerfile',
      '--build-arg',
      'V=1',
      '--target',
      'run',
      '--',
      '/p/web',
    ]);
    const none = new DockerCli(reply({ code: 127, stdout: '', stderr: 'docker: command not found' }));
    const e = await none.build({ context: '/p' }, 't').catch((x: unknown) => x);
    expect(e).to.be.instanceOf(FlockerError).with.property('code', 'E_IMAGE_NO_DOCKER');
    const daemonless = new DockerCli(
      reply({
        code: 1,
        stdout: '',
        stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.',
      }),
    );
    expect(
      await daemonless.build({ context: '/p' }, 't').catch((x: unknown) => (x as FlockerError).code),
    ).to.equal('E_IMAGE_NO_DOCKER');
    const failing = new DockerCli(reply({ code: 1, stdout: '', stderr: 'COPY failed: no such file' }));
    const f = (await failing.build({ context: '/p' }, 't').catch((x: unknown) => x)) as FlockerError;
    expect(f.code).to.equal('E_IMAGE_BUILD');
    expect(f.message).to.include('COPY failed');
  });
});
