import { expect } from 'chai';
import { isLoopback, parseListeners, portConflicts } from '../../src/routing/listeners.js';

// `ss -Hltn` as captured on a lab node: sshd, containerd on loopback, docker-proxy for -p 18555:80
const LAB_SS = [
  'LISTEN 0      4096     0.0.0.0:18555 0.0.0.0:*',
  'LISTEN 0      128      0.0.0.0:22    0.0.0.0:*',
  'LISTEN 0      4096   127.0.0.1:40175 0.0.0.0:*',
  'LISTEN 0      4096        [::]:18555    [::]:*',
  'LISTEN 0      128         [::]:22       [::]:*',
  '',
].join('\n');

describe('listening sockets (ss -Hltn)', () => {
  it('parses the lab output: address without brackets, port, sorted', () => {
    expect(parseListeners(LAB_SS)).to.deep.equal([
      { address: '0.0.0.0', port: 22 },
      { address: '::', port: 22 },
      { address: '0.0.0.0', port: 18555 },
      { address: '::', port: 18555 },
      { address: '127.0.0.1', port: 40175 },
    ]);
  });

  it('with ss -p: the process name of each listener (a docker-proxy told from other programs)', () => {
    const text = [
      'LISTEN 0      4096     0.0.0.0:8080  0.0.0.0:* users:(("docker-proxy",pid=314,fd=4))',
      'LISTEN 0      128      0.0.0.0:22    0.0.0.0:* users:(("sshd",pid=90,fd=3),("sshd",pid=91,fd=3))',
      'LISTEN 0      128      0.0.0.0:9000  0.0.0.0:*',
    ].join('\n');
    expect(parseListeners(text)).to.deep.equal([
      { address: '0.0.0.0', port: 22, program: 'sshd' },
      { address: '0.0.0.0', port: 8080, program: 'docker-proxy' },
      { address: '0.0.0.0', port: 9000 },
    ]);
  });

  it('parses wildcard, interface-scoped and IPv4-mapped addresses; refuses what it cannot read', () => {
    const text = [
      'LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:*',
      'LISTEN 0 128 *:80 *:*',
      'LISTEN 0 128 [fe80::1]%eth0:8080 [::]:*',
      'LISTEN 0 128 [::ffff:127.0.0.1]:9000 *:*',
    ].join('\n');
    expect(parseListeners(text)).to.deep.equal([
      { address: '127.0.0.53', port: 53 },
      { address: '*', port: 80 },
      { address: 'fe80::1', port: 8080 },
      { address: '::ffff:127.0.0.1', port: 9000 },
    ]);
    expect(() => parseListeners('State Recv-Q Send-Q Local Peer')).to.throw(/unexpected ss line/);
    expect(() => parseListeners('LISTEN 0 128 0.0.0.0:http 0.0.0.0:*')).to.throw(/unexpected local address/);
  });

  it('with ss -u: a Netid column; bound UDP sockets (UNCONN) are UDP listeners, TCP ones as before', () => {
    const text = [
      'tcp LISTEN 0      128    0.0.0.0:53 0.0.0.0:*',
      'udp UNCONN 0      0      127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=7,fd=12))',
      'udp UNCONN 0      0      0.0.0.0:19556 0.0.0.0:* users:(("node",pid=19507,fd=18))',
      'udp UNCONN 0      0         [::]:5353    [::]:*',
    ].join('\n');
    expect(parseListeners(text)).to.deep.equal([
      { address: '0.0.0.0', port: 53 },
      { address: '127.0.0.53', port: 53, program: 'systemd-resolve', protocol: 'udp' },
      { address: '::', port: 5353, protocol: 'udp' },
      { address: '0.0.0.0', port: 19556, program: 'node', protocol: 'udp' },
    ]);
    expect(() => parseListeners('udp LISTEN 0 0 0.0.0.0:53 0.0.0.0:*')).to.throw(/unexpected ss line/);
  });

  it('UDP ports conflict only with UDP listeners, TCP only with TCP; a loopback one not with a route', () => {
    const listeners = parseListeners(
      [
        'tcp LISTEN 0 128 0.0.0.0:5300 0.0.0.0:*',
        'udp UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*',
        'udp UNCONN 0 0 0.0.0.0:5353 0.0.0.0:*',
      ].join('\n'),
    );
    const want = { appPorts: [53], routePorts: [], udpAppPorts: [5300, 53], udpRoutePorts: [5353, 53] };
    expect(portConflicts(listeners, want, new Set())).to.deep.equal([
      { port: 53, addresses: ['127.0.0.53'], use: 'app', protocol: 'udp' },
      { port: 5353, addresses: ['0.0.0.0'], use: 'route', protocol: 'udp' },
    ]);
    // our own app publishes 5353/udp here: not a conflict
    expect(portConflicts(listeners, want, new Set(), new Set([5353, 53]))).to.deep.equal([]);
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(a), a).to.equal(true);
    for (const a of ['0.0.0.0', '::', '*', '198.51.100.2', 'fe80::1'])
      expect(isLoopback(a), a).to.equal(false);
  });

  it('finds ports that are not ours: any listener for an app port, non-loopback ones for a route', () => {
    const listeners = parseListeners(LAB_SS);
    // 18555 is published by one of our containers (docker-proxy): ours
    expect(portConflicts(listeners, { appPorts: [18555], routePorts: [22] }, new Set([18555]))).to.deep.equal(
      [{ port: 22, addresses: ['0.0.0.0', '::'], use: 'route' }],
    );
    // the same port, not published by one of our apps: someone else's
    expect(portConflicts(listeners, { appPorts: [18555], routePorts: [] }, new Set())).to.deep.equal([
      { port: 18555, addresses: ['0.0.0.0', '::'], use: 'app' },
    ]);
    // a loopback-only listener: an app cannot bind the port, a route (non-loopback DNAT) leaves it alone
    expect(portConflicts(listeners, { appPorts: [40175], routePorts: [40175] }, new Set())).to.deep.equal([
      { port: 40175, addresses: ['127.0.0.1'], use: 'app' },
    ]);
    expect(portConflicts(listeners, { appPorts: [8080], routePorts: [9000] }, new Set())).to.deep.equal([]);
  });
});
