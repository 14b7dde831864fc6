import { expect } from 'chai';
import {
  createVolumeArgv,
  destroySnapshotArgv,
  holdArgv,
  releaseArgv,
  userrefsArgv,
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
      'name,readonly,mountpoint,flocker:role,flocker:epoch,flocker:owner,flocker:lineage,flocker:handoff',
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
    expect(createVolumeArgv(P, 'web', 'n1', '0123456789abcdef')).to.deep.equal([
      'zfs',
      'create',
      '-o',
      'readonly=off',
      '-o',
      'flocker:role=owner',
      '-o',
      'flocker:epoch=1',
      '-o',
      'flocker:owner=n1',
      '-o',
      'flocker:lineage=0123456789abcdef',
      'flocker/volumes/web',
    ]);
    expect(holdArgv(P, 'web', 's1')).to.deep.equal(['zfs', 'hold', 'flocker-base', 'flocker/volumes/web@s1']);
    expect(releaseArgv(P, 'web', 's1')).to.deep.equal([
      'zfs',
      'release',
      'flocker-base',
      'flocker/volumes/web@s1',
    ]);
    expect(userrefsArgv(P, 'web', 's1')).to.deep.equal([
      'zfs',
      'get',
      '-H',
      '-o',
      'value',
      'userrefs',
      'flocker/volumes/web@s1',
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
