import { expect } from 'chai';
import { NodeCommandError, NodeError, exitCodeFor } from '../../src/errors.js';
import type { CommandResult } from '../../src/exec/runner.js';
import { preferredHostKeyAlgorithms } from '../../src/ssh/host-key-policy.js';
import { mapLimit } from '../../src/ssh/parallel.js';
import { hostKeyProblem } from '../../src/ssh/refusals.js';
import type { NodeConnection } from '../../src/ssh/connection.js';
import {
  AggregateNodeError,
  SSH_ERROR_CODES,
  runAll,
  runAllSettled,
  toNodeError,
} from '../../src/ssh/index.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';
import type { KnownHostsLine } from '../../src/ssh/known-hosts.js';

function fakeConn(node: string): NodeConnection {
  return {
    node,
    host: node,
    address: '192.0.2.1',
    port: 22,
    user: 'root',
    hostKey: 'ssh-ed25519 AAAA',
    run: (): Promise<CommandResult> => Promise.resolve({ code: 0, stdout: node, stderr: '' }),
    close: () => undefined,
  };
}

const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from('key')]);

describe('ssh transport helpers', () => {
  it('mapLimit keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, 5 * (8 - n)));
      inFlight--;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(peak).to.equal(3);
    expect(r.map((x) => (x.status === 'fulfilled' ? x.value : 'err'))).to.deep.equal([
      10,
      20,
      30,
      'err',
      50,
      60,
      70,
    ]);
  });

  it('runAll returns per-node results or one AggregateNodeError naming every failed node', async () => {
    const conns = new Map(['a', 'b', 'c'].map((n) => [n, fakeConn(n)]));
    const ok = await runAll(conns, async (c) => (await c.run(['true'])).stdout);
    expect([...ok.entries()]).to.deep.equal([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
    let caught: unknown;
    try {
      await runAll(
        conns,
        (c) => {
          if (c.node === 'a') throw new NodeCommandError('a', ['zfs', 'list'], 1, 'boom');
          if (c.node === 'c') throw new Error('plain');
          return Promise.resolve(1);
        },
        2,
        'reportstate',
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(AggregateNodeError);
    const agg = caught as AggregateNodeError;
    expect(agg.hosts).to.deep.equal(['a', 'c']);
    expect(agg.source).to.equal('system');
    expect(agg.message).to.match(
      /^reportstate: 2 of 3 nodes failed\n {2}a: command failed: zfs list \(exit 1\)/,
    );
    expect(agg.message).to.contain('\n  c: plain');
    const settled = await runAllSettled(conns, (c) => Promise.resolve(c.node));
    expect(settled.get('b')).to.deep.equal({ status: 'fulfilled', value: 'b' });
  });

  it('AggregateNodeError is a user error only when every failure is', () => {
    const u = new NodeError('a', 'x', 'E_SSH_AUTH', 'user');
    const s = new NodeError('b', 'y');
    expect(new AggregateNodeError([u], 'w').source).to.equal('user');
    expect(new AggregateNodeError([u, s], 'w').source).to.equal('system');
  });

  it('toNodeError keeps NodeErrors and does not repeat the host prefix', () => {
    const e = new NodeError('n1', 'x');
    expect(toNodeError('n1', e)).to.equal(e);
    expect(toNodeError('n1', new NodeCommandError('n1', ['a'], 2, '')).message).to.equal(
      'n1: command failed: a (exit 2)',
    );
  });

  it('prefers host key algorithms already known for the host', () => {
    expect(preferredHostKeyAlgorithms([]).slice(0, 1)).to.deep.equal(['ssh-ed25519']);
    expect(preferredHostKeyAlgorithms(['ssh-rsa']).slice(0, 4)).to.deep.equal([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
    expect(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp256'])[0]).to.equal('ecdsa-sha2-nistp256');
  });

  it('host key refusal messages: unknown (with how to accept), changed (file:line), revoked', () => {
    const info = { hostName: 'web.lab', address: '10.0.0.5', port: 2222, files: ['/h/.ssh/known_hosts'] };
    const unknown = hostKeyProblem('web', { kind: 'unknown', otherTypes: [] }, blob, {
      ...info,
      strict: { value: 'no', source: 'set in /h/.ssh/config:7' },
    });
    expect(unknown.code).to.equal(SSH_ERROR_CODES.hostKeyUnknown);
    // found after contacting the node: not bad input (exit 1)
    expect(unknown.source).to.equal('system');
    expect(exitCodeFor(unknown)).to.equal(1);
    expect(unknown.message).to.contain(`ssh-ed25519 ${fingerprintSha256(blob)}`);
    expect(unknown.message).to.contain('ssh-keyscan -p 2222 -t ssh-ed25519 web.lab >> /h/.ssh/known_hosts');
    expect(unknown.message).to.contain('"StrictHostKeyChecking no" (set in /h/.ssh/config:7) is ignored');
    const entry: KnownHostsLine = {
      file: '/h/.ssh/known_hosts',
      line: 3,
      marker: null,
      hosts: '[web.lab]:2222',
      keyType: 'ssh-ed25519',
      key: Buffer.from('other'),
    };
    const changed = hostKeyProblem('web', { kind: 'changed', entries: [entry] }, blob, info);
    expect(changed.code).to.equal(SSH_ERROR_CODES.hostKeyChanged);
    expect(changed.message).to.match(/^web: WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(changed.message).to.contain('/h/.ssh/known_hosts:3');
    const revoked = hostKeyProblem('web', { kind: 'revoked', entry }, blob, info);
    expect(revoked.code).to.equal(SSH_ERROR_CODES.hostKeyRevoked);
    expect(revoked.message).to.contain('REVOKED');
  });
});
