import { expect } from 'chai';
import { FakeApplicationUnits } from '../../src/systemd/application-units.js';
import { toApplication } from '../../src/model/canonical.js';
import { applicationUnitsContract } from './application-units.contract.js';
import { rejects } from '../helpers/rejects.js';

applicationUnitsContract('FakeApplicationUnits', () => {
  const units = new FakeApplicationUnits();
  units.missingImages.add('flocker-test/absent:nope');
  return Promise.resolve({
    units,
    image: 'flocker-test/httpd:latest',
    volumePath: '/flocker/ctr-web',
    absentImage: 'flocker-test/absent:nope',
    cleanup: () => Promise.resolve(),
  });
});

describe('FakeApplicationUnits extras', function () {
  it('records env and volume path; a failing app is listed as not running', async function () {
    const f = new FakeApplicationUnits();
    f.failing.set('bad', 'docker: pull access denied for x');
    await f.start(toApplication('ok', { image: 'x', environment: { A: '1' } }), {
      linkEnvironment: { L: '2' },
    });
    expect(f.apps.get('ok')?.env).to.deep.equal({ A: '1', L: '2' });
    let err: unknown;
    try {
      await f.start(toApplication('bad', { image: 'x' }), { linkEnvironment: {} });
    } catch (e) {
      err = e;
    }
    expect(err).to.include({ code: 'E_APP_START' });
    expect((err as Error).message).to.equal(
      'fake: application bad did not start (docker: pull access denied for x)',
    );
    expect((await f.list()).map((a) => [a.application.name, a.running])).to.deep.equal([
      ['bad', false],
      ['ok', true],
    ]);
  });
});

describe('FakeApplicationUnits checks', function () {
  it('pulls what its registry serves; with dockerd down nothing answers', async function () {
    const f = new FakeApplicationUnits();
    f.missingImages.add('a:1');
    f.registry.add('a:1');
    expect(await f.hasImage('a:1')).to.equal(false);
    await f.pullImage('a:1');
    expect(await f.hasImage('a:1')).to.equal(true);
    f.dockerDown = 'Cannot connect to the Docker daemon';
    expect((await rejects(f.dockerVersion(), 'E_NODE_COMMAND')).message).to.match(
      /dockerd does not answer[\s\S]*Cannot connect/,
    );
    await rejects(f.hasImage('a:1'), 'E_NODE_COMMAND');
  });
});

describe('docker ps ports (parseDockerPs)', () => {
  it('host ports of published mappings, ranges included; exposed-only ports publish nothing', async () => {
    const { parseDockerPs } = await import('../../src/systemd/application-units.js');
    const text = [
      'a1b2 0.0.0.0:8080->80/tcp, :::8080->80/tcp',
      'c3d4 ',
      'e5f6 80/tcp',
      'f7a8 127.0.0.1:53->53/udp, 0.0.0.0:8000-8002->80-82/tcp',
      '',
    ].join('\n');
    expect(parseDockerPs(text)).to.deep.equal({ published: [53, 8000, 8001, 8002, 8080], running: 4 });
    expect(parseDockerPs('')).to.deep.equal({ published: [], running: 0 });
  });
});
