// What this machine alone decides (ssh config values, usable identities) is refused for every
// node before any node is contacted: exit 2 then really means "nothing contacted".
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { exitCodeFor } from '../../src/errors.js';
import { AggregateNodeError, SSH_ERROR_CODES, connectAll, sshPorts } from '../../src/ssh/index.js';
import { scratchDir, writeFile } from '../helpers/deploy-cli.js';

describe('ssh: local refusals before any contact', () => {
  const dir = scratchDir('ssh-before-contact');
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function refusal(
    config: string,
    nodes: string[],
  ): Promise<{ err: AggregateNodeError; looked: string[] }> {
    const looked: string[] = [];
    const err = await connectAll(nodes, {
      sshConfigPath: writeFile(dir, 'config', config),
      knownHostsPaths: [writeFile(dir, 'known_hosts', '')],
      agentSocket: '',
      connectTimeoutMs: 1000,
      // resolving an address is the first step toward a node: never taken here
      resolve: async (h) => {
        looked.push(h);
        return '198.51.100.250';
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AggregateNodeError);
    return { err: err as AggregateNodeError, looked };
  }

  it('no usable identity for one node: refused (E_SSH_KEY, exit 2) before any node is reached', async () => {
    const { err, looked } = await refusal(
      `Host a\n  HostName a.example\n  IdentitiesOnly yes\n  IdentityFile ${dir}/missing_key\nHost b\n  HostName b.example\n  IdentityFile ${dir}/missing_key\n`,
      ['a', 'b'],
    );
    expect(err.errors.map((e) => e.code)).to.deep.equal([SSH_ERROR_CODES.key, SSH_ERROR_CODES.key]);
    expect(exitCodeFor(err)).to.equal(2);
    expect(looked).to.deep.equal([]);
  });

  it('a bad config value for one node: refused (E_SSH_CONFIG, exit 2) before any node is reached', async () => {
    const { err, looked } = await refusal(
      `Host a\n  HostName a.example\n  StrictHostKeyChecking constructor\n`,
      ['a', 'b'],
    );
    expect(err.errors.map((e) => [e.host, e.code])).to.deep.include(['a', SSH_ERROR_CODES.config]);
    expect(exitCodeFor(err)).to.equal(2);
    expect(looked).to.deep.equal([]);
  });

  it('sshPorts: the port of each node from the config alone', () => {
    const cfg = writeFile(dir, 'ports', 'Host a\n  Port 2222\nHost constructor\n  Port 2200\n');
    const ports = sshPorts(['a', 'b', 'constructor', 'a'], { sshConfigPath: cfg });
    expect({ ...ports }).to.deep.equal({ a: 2222, b: 22, constructor: 2200 });
  });
});
