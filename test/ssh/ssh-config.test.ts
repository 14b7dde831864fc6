import { expect } from 'chai';
import {
  SshConfigSyntaxError,
  SshConfigValueError,
  matchPatternList,
  parseSshConfig,
  resolveHostConfig,
  splitConfigWords,
  wildcardMatch,
} from '../../src/ssh/ssh-config.js';
import type { IncludedFile } from '../../src/ssh/ssh-config.js';

const ctx = { home: '/home/alice', localUser: 'alice' };

function resolve(text: string, alias: string, include?: (p: string) => IncludedFile[]) {
  return resolveHostConfig(parseSshConfig(text, 'cfg', include ? { include } : {}), alias, ctx);
}

describe('ssh config: wildcard and pattern lists', () => {
  it('matches * and ? over the whole name', () => {
    expect(wildcardMatch('*', '')).to.equal(true);
    expect(wildcardMatch('node*', 'node12')).to.equal(true);
    expect(wildcardMatch('node?', 'node1')).to.equal(true);
    expect(wildcardMatch('node?', 'node12')).to.equal(false);
    expect(wildcardMatch('*.example.com', 'a.b.example.com')).to.equal(true);
    expect(wildcardMatch('*.example.com', 'example.com')).to.equal(false);
    expect(wildcardMatch('a*b*c', 'aXbYbZc')).to.equal(true);
    expect(wildcardMatch('a*b*c', 'aXbYbZ')).to.equal(false);
    expect(wildcardMatch('10.0.0.?', '10.0.0.1')).to.equal(true);
  });
  it('negation vetoes, and a list needs one positive match', () => {
    expect(matchPatternList(['*.lab', '!db.lab'], 'web.lab')).to.equal(true);
    expect(matchPatternList(['*.lab', '!db.lab'], 'db.lab')).to.equal(false);
    expect(matchPatternList(['!db.lab'], 'web.lab')).to.equal(false);
    expect(matchPatternList(['WEB'], 'web')).to.equal(true);
  });
});

describe('ssh config: parsing', () => {
  it('splits words with quotes and comments', () => {
    expect(splitConfigWords('"/a b/c" d # comment', 'f', 1)).to.deep.equal(['/a b/c', 'd']);
    expect(() => splitConfigWords('"open', 'f', 3)).to.throw(SshConfigSyntaxError, 'f:3');
  });
  it('accepts keyword=value, keyword = value, any case, and records file:line and Host context', () => {
    const cfg = parseSshConfig('# hi\nport=2200\n\nHost a b\n  HOSTNAME = 10.0.0.1\n', 'c');
    expect(cfg.entries).to.deep.equal([
      { keyword: 'port', args: ['2200'], hostPatterns: null, file: 'c', line: 2 },
      { keyword: 'hostname', args: ['10.0.0.1'], hostPatterns: ['a', 'b'], file: 'c', line: 5 },
    ]);
  });
  it('rejects a keyword without value', () => {
    expect(() => parseSshConfig('Host x\n  User\n', 'c')).to.throw(SshConfigSyntaxError, 'c:2');
  });
  it('ignores Match blocks up to the next Host, with a warning', () => {
    const cfg = parseSshConfig('Match user bob\n  Port 1\nHost *\n  Port 2\n', 'c');
    expect(cfg.entries.map((e) => e.args[0])).to.deep.equal(['2']);
    expect(cfg.warnings[0]).to.match(/c:1: Match blocks are not supported/);
  });
});

describe('ssh config: resolution', () => {
  const text = [
    'Host web',
    '  HostName 192.0.2.10',
    '  User deploy',
    '  Port 2222',
    '  IdentityFile ~/.ssh/web_key',
    'Host *.lab !db.lab',
    '  User labuser',
    '  IdentityFile %d/.ssh/lab_%r',
    'Host db.lab',
    '  HostName %h.internal',
    'Host *',
    '  User fallback',
    '  Port 22',
    '  IdentityFile ~/.ssh/common',
    '  ConnectTimeout 5',
    '  StrictHostKeyChecking accept-new',
    '  UserKnownHostsFile ~/.ssh/kh1 /etc/kh2',
  ].join('\n');

  it('first obtained value wins; IdentityFile accumulates in order', () => {
    const r = resolve(text, 'web');
    expect(r.hostName).to.equal('192.0.2.10');
    expect(r.hostNameFromConfig).to.equal(true);
    expect(r.user).to.equal('deploy');
    expect(r.port).to.equal(2222);
    expect(r.identityFiles).to.deep.equal(['/home/alice/.ssh/web_key', '/home/alice/.ssh/common']);
    expect(r.connectTimeoutMs).to.equal(5000);
    expect(r.strictHostKeyChecking).to.deep.equal({ value: 'accept-new', source: { file: 'cfg', line: 16 } });
    expect(r.userKnownHostsFiles).to.deep.equal(['/home/alice/.ssh/kh1', '/etc/kh2']);
  });
  it('negated patterns exclude a host; %h and %r tokens expand', () => {
    const a = resolve(text, 'app.lab');
    expect(a.user).to.equal('labuser');
    expect(a.identityFiles).to.deep.equal(['/home/alice/.ssh/lab_labuser', '/home/alice/.ssh/common']);
    expect(a.hostName).to.equal('app.lab');
    const d = resolve(text, 'db.lab');
    expect(d.user).to.equal('fallback');
    expect(d.hostName).to.equal('db.lab.internal');
  });
  it('defaults: alias as host name, local user, port 22, no identity files', () => {
    const r = resolve('', '10.1.2.3');
    expect(r).to.deep.include({
      hostName: '10.1.2.3',
      hostNameFromConfig: false,
      user: 'alice',
      port: 22,
      identitiesOnly: false,
    });
    expect(r.identityFiles).to.deep.equal([]);
    expect(r.connectTimeoutMs).to.equal(undefined);
  });
  it('IdentitiesOnly and IdentityFile none', () => {
    const r = resolve('Host x\n IdentitiesOnly yes\n IdentityFile none\n', 'x');
    expect(r.identitiesOnly).to.equal(true);
    expect(r.identityFiles).to.deep.equal([]);
  });
  it('rejects bad values with file:line', () => {
    expect(() => resolve('Port 99999\n', 'x')).to.throw(SshConfigValueError, 'cfg:1: Port');
    expect(() => resolve('Host x\nConnectTimeout soon\n', 'x')).to.throw(SshConfigValueError, 'cfg:2');
    expect(() => resolve('StrictHostKeyChecking maybe\n', 'x')).to.throw(SshConfigValueError);
    expect(() => resolve('IdentitiesOnly perhaps\n', 'x')).to.throw(SshConfigValueError);
  });
  it('Include: included options follow the Host in effect, and the outer Host resumes after', () => {
    const files: Record<string, string> = {
      'inc/a': 'User included\nHost other\n  User other-user\n',
    };
    const include = (p: string): IncludedFile[] => {
      const t = files[p];
      return t === undefined ? [] : [{ file: p, text: t }];
    };
    const cfg = 'Host web\n  Include inc/a\n  Port 2022\nHost *\n  Include missing\n';
    const web = resolve(cfg, 'web', include);
    expect(web.user).to.equal('included');
    expect(web.port).to.equal(2022);
    const other = resolve(cfg, 'other', include);
    expect(other.user).to.equal('other-user');
    expect(other.port).to.equal(22);
    const parsed = parseSshConfig(cfg, 'cfg', { include });
    expect(parsed.entries[0]).to.deep.include({ file: 'inc/a', line: 1 });
  });
});
