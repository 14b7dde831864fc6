// The ssh config as `ssh -G` reports it (a fake runner stands in for OpenSSH): what is honoured,
// how ProxyJump/ProxyCommand routes are built, and what is refused before any contact.
import { expect } from 'chai';
import { exitCodeFor } from '../../src/errors.js';
import { makeContext } from '../../src/ssh/connect-options.js';
import { SshOptionRefusal, hostOptions, parseJumpHop } from '../../src/ssh/host-options.js';
import { AggregateNodeError, SSH_ERROR_CODES, connectAll, sshPorts } from '../../src/ssh/index.js';
import { jumpPath, resolveRoute } from '../../src/ssh/route.js';
import type { SshGResult, SshGRunner } from '../../src/ssh/ssh-g.js';
import { parseSshG } from '../../src/ssh/ssh-g.js';
import { scratchDir, writeFile } from '../helpers/deploy-cli.js';

/** what OpenSSH prints for a host with no config (a trimmed ssh -G -F /dev/null) */
const defaults = (host: string, user = 'alice', port = 22): string =>
  [
    `host ${host}`,
    `user ${user}`,
    `hostname ${host}`,
    `port ${port}`,
    'identityfile ~/.ssh/id_rsa',
    'identityfile ~/.ssh/id_ed25519',
    'stricthostkeychecking ask',
    'connecttimeout none',
    'proxyusefdpass no',
    'ciphers chacha20-poly1305@openssh.com,aes128-ctr',
    'addressfamily any',
    'serveraliveinterval 0',
    'serveralivecountmax 3',
    'globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2',
    'userknownhostsfile ~/.ssh/known_hosts ~/.ssh/known_hosts2',
    'loglevel INFO',
  ].join('\n');

/** a fake `ssh -G`: per host, the lines the config adds over (or instead of) the defaults */
function fakeSshG(config: Record<string, string>, calls: string[][] = []): SshGRunner {
  return (args): SshGResult => {
    calls.push([...args]);
    const host = args[args.length - 1] ?? '';
    const user = args.includes('-l') ? args[args.indexOf('-l') + 1] : undefined;
    const port = args.includes('-p') ? Number(args[args.indexOf('-p') + 1]) : undefined;
    const base = parseSshG(defaults(host, user, port));
    if (args[args.indexOf('-F') + 1] === '/dev/null')
      return { status: 0, stdout: defaults(host, user, port), stderr: '' };
    const extra = config[host];
    if (extra === 'FAIL')
      return { status: 255, stdout: '', stderr: 'cfg: line 2: Bad configuration option: bogus\n' };
    const set = parseSshG(extra ?? '');
    const lines: string[] = [];
    for (const [k, vs] of base)
      if (!set.has(k) && !(k === 'user' && user) && !(k === 'port' && port))
        for (const v of vs) lines.push(`${k} ${v}`);
    for (const [k, vs] of set) {
      if ((k === 'user' && user) || (k === 'port' && port)) continue; // -l / -p win
      for (const v of vs) lines.push(`${k} ${v}`);
    }
    if (user) lines.push(`user ${user}`);
    if (port) lines.push(`port ${port}`);
    return { status: 0, stdout: lines.join('\n') + '\n', stderr: 'Pseudo-terminal will not be allocated\n' };
  };
}

const ctx = {
  home: '/home/alice',
  localUser: 'alice',
  localHost: 'laptop.example',
  where: () => 'set in cfg:7',
};
const opts = (host: string, extra: string) => {
  const d = parseSshG(defaults(host));
  const o = new Map(d);
  for (const [k, v] of parseSshG(extra)) o.set(k, [...v]);
  return { o, d };
};

describe('ssh config through ssh -G: one host', () => {
  it('honours HostName, User, Port, IdentityFile (tokens), known hosts, timeouts, alias, agent, family', () => {
    const { o, d } = opts(
      'web',
      [
        'hostname 192.0.2.10',
        'user deploy',
        'port 2222',
        'identityfile %d/.ssh/k_%r_%h',
        'identityfile ~/.ssh/common',
        'identitiesonly yes',
        'userknownhostsfile /home/alice/kh1 /etc/kh2',
        'stricthostkeychecking accept-new',
        'connecttimeout 5',
        'hostkeyalias web.lab',
        'identityagent none',
        'addressfamily inet',
        'serveraliveinterval 7',
      ].join('\n'),
    );
    const hc = hostOptions('web', o, d, ctx);
    expect(hc).to.deep.equal({
      alias: 'web',
      hostName: '192.0.2.10',
      user: 'deploy',
      port: 2222,
      identityFiles: ['/home/alice/.ssh/k_deploy_192.0.2.10', '/home/alice/.ssh/common'],
      identitiesOnly: true,
      userKnownHostsFiles: ['/home/alice/kh1', '/etc/kh2'],
      globalKnownHostsFiles: [],
      strictHostKeyChecking: { value: 'accept-new', source: 'set in cfg:7' },
      connectTimeoutMs: 5000,
      hostKeyAlias: 'web.lab',
      identityAgent: null,
      addressFamily: 4,
      keepalive: { intervalMs: 7000, countMax: 3 },
      proxy: { kind: 'direct' },
    });
  });

  it('defaults: the default identity files and known hosts files are left to flocker (empty lists)', () => {
    const { o, d } = opts('x', '');
    const hc = hostOptions('x', o, d, ctx);
    expect(hc).to.deep.include({
      hostName: 'x',
      user: 'alice',
      port: 22,
      identityFiles: [],
      userKnownHostsFiles: [],
    });
    expect(hc.proxy).to.deep.equal({ kind: 'direct' });
  });

  it('ProxyJump is a list of hops; ProxyCommand gets %h %p %r %n %% expanded', () => {
    const j = opts('a', 'proxyjump root@b:2222,c');
    expect(hostOptions('a', j.o, j.d, ctx).proxy).to.deep.equal({ kind: 'jump', hops: ['root@b:2222', 'c'] });
    const c = opts('a', 'hostname 10.0.0.5\nuser u\nproxycommand nc -x %n %h %p # %r %%');
    expect(hostOptions('a', c.o, c.d, ctx).proxy).to.deep.equal({
      kind: 'command',
      command: 'nc -x a 10.0.0.5 22 # u %',
    });
  });

  it('refuses an option it cannot honour, with its value and where it was set', () => {
    const { o, d } = opts('a', 'proxyusefdpass yes');
    expect(() => hostOptions('a', o, d, ctx))
      .to.throw(SshOptionRefusal)
      .with.property(
        'message',
        'ProxyUseFdpass yes: flocker cannot receive a socket from the ProxyCommand; drop ProxyUseFdpass (set in cfg:7)',
      );
    const alg = opts('a', 'ciphers aes256-gcm@openssh.com');
    expect(() => hostOptions('a', alg.o, alg.d, ctx)).to.throw(
      /^Ciphers aes256-gcm@openssh.com: flocker negotiates/,
    );
    // the same value as OpenSSH's default is no change: nothing to refuse
    const same = opts('a', 'ciphers chacha20-poly1305@openssh.com,aes128-ctr');
    expect(() => hostOptions('a', same.o, same.d, ctx)).to.not.throw();
  });

  it('refuses an option it does not know, and a token it cannot expand', () => {
    const u = opts('a', 'sometomorrowoption yes');
    expect(() => hostOptions('a', u.o, u.d, ctx)).to.throw(
      /^sometomorrowoption yes: flocker does not know this option/,
    );
    const t = opts('a', 'proxycommand nc %C');
    expect(() => hostOptions('a', t.o, t.d, ctx)).to.throw(/token %C is not expanded by flocker/);
  });

  it('ignores options that do not change where or how it connects', () => {
    const { o, d } = opts(
      'a',
      'loglevel ERROR\nsendenv LANG\nforwardagent yes\nlocalforward 8080 [localhost]:80\ncontrolmaster auto',
    );
    expect(() => hostOptions('a', o, d, ctx)).to.not.throw();
  });

  it('parses ProxyJump hops: host, user@host, host:port, [v6]:port, ssh:// URIs', () => {
    expect(parseJumpHop('n1')).to.deep.equal({ host: 'n1' });
    expect(parseJumpHop('root@n1:2222')).to.deep.equal({ host: 'n1', user: 'root', port: 2222 });
    expect(parseJumpHop('[2001:db8::1]:22')).to.deep.equal({ host: '2001:db8::1', port: 22 });
    expect(parseJumpHop('ssh://me@j')).to.deep.equal({ host: 'j', user: 'me' });
    expect(() => parseJumpHop('n1:99999')).to.throw(SshOptionRefusal);
    expect(() => parseJumpHop('@n1')).to.throw(SshOptionRefusal);
  });
});

describe('ssh config through ssh -G: routes, before any contact', () => {
  it('a chain a,b: the node through b, b through a; the jump spec gives -l and -p to ssh -G', () => {
    const calls: string[][] = [];
    const cfg = writeFile(scratchDir('ssh-g-routes'), 'cfg', '# read by the fake ssh -G\n');
    const c = makeContext({
      sshConfigPath: cfg,
      sshG: fakeSshG(
        {
          n2: 'hostname 10.0.0.2\nproxyjump ops@bastion:2200,inner',
          inner: 'hostname 10.1.0.1\nproxyjump other',
        },
        calls,
      ),
      agentSocket: '',
    });
    const route = resolveRoute(c, 'n2', false);
    expect(jumpPath(route)).to.equal('ops@bastion:2200 -> inner');
    expect(route.via.kind).to.equal('jump');
    const inner = route.via.kind === 'jump' ? route.via.hop : undefined;
    // inner's own ProxyJump is replaced by the chain, as with ssh -J
    expect(inner?.via.kind === 'jump' && inner.via.hop.label).to.equal('ops@bastion:2200');
    expect(route.key).to.equal('alice@10.0.0.2:22 via alice@10.1.0.1:22 via ops@bastion:2200');
    expect(calls).to.deep.include(['-F', cfg, '-l', 'ops', '-p', '2200', '--', 'bastion']);
    expect(calls).to.deep.include(['-F', '/dev/null', '-l', 'ops', '-p', '2200', '--', 'bastion']);
  });

  it('a ProxyJump loop is refused', () => {
    const c = makeContext({ sshG: fakeSshG({ a: 'proxyjump b', b: 'proxyjump a' }), agentSocket: '' });
    expect(() => resolveRoute(c, 'a', false)).to.throw(
      /ProxyJump goes through more than 8 hosts \(a -> b -> a/,
    );
  });

  it('an option refused for a jump host, or a config ssh cannot read: E_SSH_CONFIG, exit 2, nothing contacted', async () => {
    const looked: string[] = [];
    const err = await connectAll(['n1', 'n2', 'n3'], {
      sshG: fakeSshG({
        n1: 'proxyjump j',
        j: 'certificatefile ~/.ssh/c.pub',
        n2: 'FAIL',
        n3: 'identityfile /nonexistent/key\nidentitiesonly yes',
      }),
      agentSocket: '',
      resolve: async (h) => {
        looked.push(h);
        return '192.0.2.1';
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AggregateNodeError);
    const agg = err as AggregateNodeError;
    expect(agg.errors.map((e) => [e.host, e.code])).to.deep.equal([
      ['n1', SSH_ERROR_CODES.config],
      ['n2', SSH_ERROR_CODES.config],
      ['n3', SSH_ERROR_CODES.key],
    ]);
    expect(agg.errors[0]?.message).to.match(
      /^n1: ssh config for jump host j: CertificateFile ~\/\.ssh\/c\.pub cannot be honoured: flocker cannot offer ssh certificates/,
    );
    expect(agg.errors[1]?.message).to.contain(
      'n2: ssh config: ssh -G -- n2: cfg: line 2: Bad configuration option: bogus',
    );
    expect(agg.errors[1]?.message).to.not.contain('Pseudo-terminal');
    expect(exitCodeFor(agg)).to.equal(2);
    expect(looked).to.deep.equal([]);
  });

  it('a jump host without a usable identity is refused naming it', async () => {
    const err = await connectAll(['n1'], {
      sshG: fakeSshG({ n1: 'proxyjump j', j: 'identityfile /nonexistent/jkey\nidentitiesonly yes' }),
      identityFiles: [],
      agentSocket: '',
    }).then(
      () => undefined,
      (e: unknown) => e as AggregateNodeError,
    );
    expect(err?.errors[0]?.message).to.match(
      /^n1: jump host j: no usable ssh identity for alice@j: \/nonexistent\/jkey does not exist/,
    );
  });

  it('sshPorts reads the port through ssh -G', () => {
    expect(sshPorts(['a', 'b'], { sshG: fakeSshG({ a: 'port 2222' }) })).to.deep.equal({ a: 2222, b: 22 });
  });
});
