import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { channelRetryDelayMs, isChannelOpenRefusal, SshNodeConnection } from '../../src/ssh/connection.js';

/** a session channel that prints `out` and exits 0 once its stdin ends */
function channel(
  out: string,
): EventEmitter & { stderr: EventEmitter; write: () => boolean; end: () => void; close: () => void } {
  const ch = Object.assign(new EventEmitter(), {
    stderr: new EventEmitter(),
    write: () => true,
    end: () => {
      setImmediate(() => {
        ch.emit('data', Buffer.from(out));
        ch.emit('exit', 0);
        ch.emit('close');
      });
    },
    close: () => undefined,
  });
  return ch;
}

/** an ssh2 Client whose first `refusals` channel opens fail as sshd's MaxSessions does */
function client(refusals: number): { client: Client; opens: number } {
  const c = Object.assign(new EventEmitter(), {
    opens: 0,
    end: () => undefined,
    exec(_cmd: string, cb: (err: Error | undefined, stream: unknown) => void) {
      c.opens++;
      if (c.opens <= refusals)
        setImmediate(() => cb(new Error('(SSH) Channel open failure: open failed'), undefined));
      else setImmediate(() => cb(undefined, channel('ok\n')));
    },
  });
  return {
    client: c as unknown as Client,
    get opens() {
      return c.opens;
    },
  };
}

const init = { node: 'n1', address: '198.51.100.2', port: 22, user: 'root', hostKey: 'ssh-ed25519 AAAA' };

describe('SshNodeConnection channel opens', () => {
  it('knows a refused channel open from other failures', () => {
    expect(isChannelOpenRefusal(new Error('(SSH) Channel open failure: open failed'))).to.equal(true);
    expect(isChannelOpenRefusal(new Error('Not connected'))).to.equal(false);
  });

  it('backs off exponentially with jitter, capped at 2 s', () => {
    expect(channelRetryDelayMs(0, () => 0)).to.equal(25);
    expect(channelRetryDelayMs(0, () => 1)).to.equal(50);
    expect(channelRetryDelayMs(3, () => 1)).to.equal(400);
    expect(channelRetryDelayMs(20, () => 1)).to.equal(2000);
  });

  it('retries a refused channel open: the command never ran, so it runs once it opens', async () => {
    const c = client(3);
    const conn = new SshNodeConnection(c.client, init);
    const r = await conn.run(['echo', 'ok']);
    expect(r).to.deep.equal({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(c.opens).to.equal(4);
  });

  it('gives up after its retries with E_SSH_PROTOCOL naming the node and the command', async () => {
    const conn = new SshNodeConnection(client(1000).client, init);
    const err = await conn.run(['echo', 'ok']).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).to.equal('E_SSH_PROTOCOL');
    expect(err?.message).to.match(/^n1: cannot open ssh channel for echo ok: .*open failed/);
  }).timeout(20_000);
});
