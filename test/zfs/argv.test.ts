import { expect } from 'chai';
import {
  createVolumeArgv,
  destroySnapshotArgv,
  listFilesystemsArgv,
  listSnapshotsArgv,
  recvArgv,
  sendArgv,
  setReadonlyArgv,
  setRolePropertyArgv,
} from '../../src/zfs/argv.js';

describe('zfs argv builders', function () {
  const P = 'flocker/volumes';
  it('lists filesystems and snapshots under the parent (no -p: zfs-fuse lacks it)', function () {
    expect(listFilesystemsArgv(P)).to.deep.equal([
      'zfs',
      'list',
      '-H',
      '-o',
      'name,readonly,mountpoint,flocker:role',
      '-r',
      '-t',
      'filesystem',
      P,
    ]);
    expect(listSnapshotsArgv(P)).to.deep.equal([
      'zfs',
      'list',
      '-H',
      '-o',
      'name',
      '-t',
      'snapshot',
      '-s',
      'creation',
      '-r',
      P,
    ]);
  });
  it('creates owned volumes and switches roles', function () {
    expect(createVolumeArgv(P, 'web')).to.deep.equal([
      'zfs',
      'create',
      '-o',
      'readonly=off',
      '-o',
      'flocker:role=owner',
      'flocker/volumes/web',
    ]);
    expect(setReadonlyArgv(P, 'web', false)).to.deep.equal([
      'zfs',
      'set',
      'readonly=on',
      'flocker/volumes/web',
    ]);
    expect(setReadonlyArgv(P, 'web', true)).to.deep.equal([
      'zfs',
      'set',
      'readonly=off',
      'flocker/volumes/web',
    ]);
    expect(setRolePropertyArgv(P, 'web', false)).to.deep.equal([
      'zfs',
      'set',
      'flocker:role=copy',
      'flocker/volumes/web',
    ]);
  });
  it('sends full or incremental and receives with -F', function () {
    expect(sendArgv(P, 'web', 's2')).to.deep.equal(['zfs', 'send', 'flocker/volumes/web@s2']);
    expect(sendArgv(P, 'web', 's2', 's1')).to.deep.equal([
      'zfs',
      'send',
      '-i',
      '@s1',
      'flocker/volumes/web@s2',
    ]);
    expect(recvArgv(P, 'web')).to.deep.equal(['zfs', 'recv', '-F', 'flocker/volumes/web']);
    expect(destroySnapshotArgv(P, 'web', 's1')).to.deep.equal(['zfs', 'destroy', 'flocker/volumes/web@s1']);
  });
  it('refuses names that would leave the parent', function () {
    expect(() => sendArgv(P, '../x', 's')).to.throw();
    expect(() => recvArgv(P, 'a/b')).to.throw();
  });
});
