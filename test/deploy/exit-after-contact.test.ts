// Exit 2 promises "bad input, no node contacted". What is found only once the nodes were
// contacted exits 1 with its own code; what the files (and the ssh config) alone show is refused
// with exit 2 before any connection is attempted.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { main } from '../../src/deploy/cli.js';
import type { CliIO } from '../../src/deploy/cli.js';
import type { NodeConnection } from '../../src/ssh/connection.js';
import { fakeCluster } from '../helpers/fake-cluster.js';
import { scratchDir, writeFile } from '../helpers/deploy-cli.js';

function io(connect?: CliIO['connect']): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    interactive: false,
    now: () => new Date(0),
    ...(connect ? { connect } : {}),
  };
}

const APPS =
  'version: 1\napplications:\n  web:\n    image: busybox\n    ports:\n      - internal: 80\n        external: 2222\n';

describe('exit codes after contact', () => {
  const dir = scratchDir('exit-after-contact');
  const apps = writeFile(dir, 'application.yml', APPS);
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const dryRun of [false, true]) {
    it(`two names that are one machine once connected: E_SAME_MACHINE, exit 1${dryRun ? ' (--dry-run)' : ''}`, async () => {
      const c = fakeCluster(['n1', 'n2']);
      const dep = writeFile(dir, 'same.yml', 'version: 1\nnodes:\n  n1: [web]\n  alias-of-n1: []\n');
      const t = io(async (nodes) => {
        const n1 = (await c.connect(['n1'])).get('n1')!;
        return new Map<string, NodeConnection>(nodes.map((n) => [n, n1]));
      });
      const code = await main([...(dryRun ? ['--dry-run'] : []), '--json', dep, apps], t);
      expect(code).to.equal(1);
      const last = JSON.parse(t.out.join('').trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(last).to.deep.include({ type: 'error', code: 'E_SAME_MACHINE', exit_code: 1 });
      expect(t.err.join('')).to.match(/are the same machine/);
      expect(c.nodes.get('n1')!.running.size).to.equal(0);
    });
  }

  it('two names that are the same address as written: exit 2, nothing contacted', async () => {
    const dep = writeFile(
      dir,
      'same-address.yml',
      'version: 1\nnodes:\n  192.0.2.1: [web]\n  "3221225985": []\n',
    );
    let contacted = false;
    const t = io(async () => {
      contacted = true;
      return new Map();
    });
    expect(await main([dep, apps], t)).to.equal(2);
    expect(contacted).to.equal(false);
    expect(t.err.join('')).to.match(/same-address\.yml:4:3: nodes\.3221225985: expected each machine once/);
  });

  it("an app port that is a node's ssh port in the ssh config: exit 2 before any connection", async () => {
    const dep = writeFile(dir, 'deployment.yml', 'version: 1\nnodes:\n  n1: [web]\n');
    const cfg = writeFile(dir, 'ssh_config', 'Host n1\n  HostName 198.51.100.250\n  Port 2222\n');
    const t = io(); // the real ssh transport: a connection attempt would fail, not exit 2
    expect(await main(['--ssh-config', cfg, '--connect-timeout', '1', dep, apps], t)).to.equal(2);
    expect(t.err.join('')).to.match(/external port 2222 is the ssh port of node n1/);
  });

  it("an app port that is a node's ssh port only as connected: E_SSH_PORT_ROUTED, exit 1, nothing changed", async () => {
    const c = fakeCluster(['n1']);
    const dep = writeFile(dir, 'deployment.yml', 'version: 1\nnodes:\n  n1: [web]\n');
    const t = io(async (nodes) => {
      const conns = await c.connect(nodes);
      return new Map([...conns].map(([n, conn]) => [n, { ...conn, port: 2222 }]));
    });
    expect(await main([dep, apps], t)).to.equal(1);
    expect(t.err.join('')).to.match(/external port 2222 is the ssh port of node n1/);
    expect(c.nodes.get('n1')!.units.calls).to.deep.equal([]);
  });
});
