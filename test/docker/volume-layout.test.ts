// The node-side layout check of several volumes (issue 13 item 2), its script run for real in a
// temporary folder standing for a dataset's mountpoint.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LAYOUT_MARKER,
  LAYOUT_MISMATCH_EXIT,
  prepareLayoutArgv,
  volumeBinds,
} from '../../src/docker/volume-layout.js';
import type { VolumeSpec } from '../../src/model/application.js';
import { dockerRunArgv } from '../../src/docker/run-argv.js';
import { renderUnit } from '../../src/systemd/unit.js';
import { toApplication } from '../../src/model/canonical.js';

const two: VolumeSpec = {
  mounts: [
    { name: 'data', mountpoint: '/var/lib/db' },
    { name: 'logs', mountpoint: '/var/log/db' },
  ],
};
const one: VolumeSpec = { mountpoint: '/data' };

function run(argv: string[]): number {
  const [cmd, ...args] = argv;
  return spawnSync(cmd as string, args, { stdio: 'ignore' }).status ?? -1;
}

describe('volume layout (several volumes per app)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'flocker-layout-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('binds: one volume mounts the dataset, several their sub-folders', () => {
    expect(volumeBinds(one, '/flocker/db')).to.deep.equal([{ source: '/flocker/db', target: '/data' }]);
    expect(volumeBinds(two, '/flocker/db/')).to.deep.equal([
      { source: '/flocker/db/data', target: '/var/lib/db' },
      { source: '/flocker/db/logs', target: '/var/log/db' },
    ]);
  });

  it('docker run gets one -v per volume; the unit starts only on the dataset (its marker)', () => {
    const app = toApplication('db', { image: 'busybox', volume: two });
    const argv = dockerRunArgv(app, { envFile: '/e', volumePath: '/flocker/db' });
    expect(argv.filter((_, i) => argv[i - 1] === '-v')).to.deep.equal([
      '/flocker/db/data:/var/lib/db',
      '/flocker/db/logs:/var/log/db',
    ]);
    const unit = renderUnit(app, { envFile: '/e', specFile: '/s', volumePath: '/flocker/db' });
    expect(unit).to.include(`ExecStartPre=test -f /flocker/db/${LAYOUT_MARKER}\n`);
    const single = renderUnit(toApplication('web', { image: 'busybox', volume: one }), {
      envFile: '/e',
      specFile: '/s',
      volumePath: '/flocker/web',
    });
    expect(single).not.to.include('test -f');
  });

  it('a new (empty) dataset gets the marker and one empty folder per volume; again is a no-op', () => {
    expect(run(prepareLayoutArgv(two, root))).to.equal(0);
    expect(readdirSync(root).sort()).to.deep.equal([LAYOUT_MARKER, 'data', 'logs']);
    expect(readdirSync(join(root, 'data'))).to.deep.equal([]);
    expect(statSync(join(root, 'data')).mode & 0o777).to.equal(0o755);
    writeFileSync(join(root, 'data', 'row'), 'kept');
    expect(run(prepareLayoutArgv(two, root))).to.equal(0);
    expect(readdirSync(join(root, 'data'))).to.deep.equal(['row']);
  });

  it('a crash after the marker, before the folders: the next start makes them', () => {
    writeFileSync(join(root, LAYOUT_MARKER), '');
    mkdirSync(join(root, 'data'));
    expect(run(prepareLayoutArgv(two, root))).to.equal(0);
    expect(existsSync(join(root, 'logs'))).to.equal(true);
  });

  it('refuses several volumes on data of one volume, and one volume on a several-volume dataset', () => {
    writeFileSync(join(root, 'PG_VERSION'), '16');
    expect(run(prepareLayoutArgv(two, root))).to.equal(LAYOUT_MISMATCH_EXIT);
    expect(readdirSync(root)).to.deep.equal(['PG_VERSION']); // nothing made
    expect(run(prepareLayoutArgv(one, root))).to.equal(0);
    rmSync(join(root, 'PG_VERSION'));
    expect(run(prepareLayoutArgv(two, root))).to.equal(0);
    expect(run(prepareLayoutArgv(one, root))).to.equal(LAYOUT_MISMATCH_EXIT);
  });
});
