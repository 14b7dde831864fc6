import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  CGROUP_LAUNCHER,
  cgroupDirs,
  launcherArgv,
  nspawnArgv,
  parseProcCgroup,
} from '../../src/lab/nspawn.js';

describe('lab nspawn argv', () => {
  const argv = nspawnArgv({
    machine: 'ftest-n1',
    hostname: 'n1',
    root: '/var/lib/flocker-lab/ftest/nodes/n1/root',
    netns: 'ftest-n1',
    dockerDir: '/d',
    containerdDir: '/c',
    zfsDir: '/z',
    projectRoot: '/work/main',
  });

  it('boots systemd without machined, in its own netns, with the binds a node needs', () => {
    expect(argv[0]).to.equal('systemd-nspawn');
    for (const a of [
      '--boot',
      '--register=no',
      '--keep-unit',
      '--machine=ftest-n1',
      '--hostname=n1',
      '--directory=/var/lib/flocker-lab/ftest/nodes/n1/root',
      '--network-namespace-path=/run/netns/ftest-n1',
      '--capability=all',
      '--system-call-filter=@keyring bpf',
      '--bind=/dev/fuse',
      '--bind=/d:/var/lib/docker',
      '--bind=/c:/var/lib/containerd',
      '--bind=/z:/var/lib/flocker-zfs',
      '--bind-ro=/work/main:/opt/flocker',
      '--tmpfs=/tmp',
      '--tmpfs=/var/tmp',
      '--console=pipe',
    ])
      expect(argv, a).to.include(a);
    expect(argv.some((a) => a.startsWith('--tmpfs=/var/lib/flocker-lab'))).to.equal(true);
  });

  it('a bare node (no project root) gets no project bind mount', () => {
    const bare = nspawnArgv({
      machine: 'bare-n1',
      hostname: 'n1',
      root: '/r',
      netns: 'bare-n1',
      dockerDir: '/d',
      containerdDir: '/c',
      zfsDir: '/z',
    });
    expect(bare.filter((a) => a.startsWith('--bind-ro='))).to.deep.equal([]);
  });

  it('launcher joins every cgroup then execs the command, with no input in the script', () => {
    const l = launcherArgv(['/a/cgroup.procs', '/b/cgroup.procs'], ['echo', 'hi']);
    expect(l).to.deep.equal([
      '/bin/sh',
      '-c',
      CGROUP_LAUNCHER,
      'sh',
      '2',
      '/a/cgroup.procs',
      '/b/cgroup.procs',
      'echo',
      'hi',
    ]);
    // with zero cgroups it just execs (checks the script's argument handling)
    const out = execFileSync(
      launcherArgv([], ['echo', "it's $x"])[0]!,
      launcherArgv([], ['echo', "it's $x"]).slice(1),
    );
    expect(out.toString()).to.equal("it's $x\n");
  });

  it('maps /proc/self/cgroup (v1 + hybrid) to one directory per hierarchy', () => {
    const lines = parseProcCgroup('9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n0::/\n');
    expect(cgroupDirs(lines, 'flocker-lab/ftest-n1', '/sys/fs/cgroup/unified')).to.deep.equal([
      { hierarchy: '/sys/fs/cgroup/systemd', dir: '/sys/fs/cgroup/systemd/flocker-lab/ftest-n1' },
      {
        hierarchy: '/sys/fs/cgroup/memory',
        dir: '/sys/fs/cgroup/memory/process_api/abc/flocker-lab/ftest-n1',
      },
      { hierarchy: '/sys/fs/cgroup/cpuset', dir: '/sys/fs/cgroup/cpuset/flocker-lab/ftest-n1' },
      { hierarchy: '/sys/fs/cgroup/unified', dir: '/sys/fs/cgroup/unified/flocker-lab/ftest-n1' },
    ]);
    expect(cgroupDirs(parseProcCgroup('0::/user.slice\n'), 'x', '/sys/fs/cgroup')).to.deep.equal([
      { hierarchy: '/sys/fs/cgroup', dir: '/sys/fs/cgroup/user.slice/x' },
    ]);
  });
});
