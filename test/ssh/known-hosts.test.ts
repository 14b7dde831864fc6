import { expect } from 'chai';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  checkHostKey,
  fingerprintSha256,
  hashKnownHostsName,
  hostFieldMatches,
  keyBlobType,
  knownHostsName,
  knownKeyTypes,
  openSshPublicKey,
  parseKnownHosts,
} from '../../src/ssh/known-hosts.js';

/** SSH wire blob for an ed25519 public key. */
function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}
function fakeBlob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}
const b64 = (b: Buffer): string => b.toString('base64');

describe('known_hosts: keys and fingerprints', () => {
  it('reads the key type from the blob and formats OpenSSH public keys', () => {
    const k = ed25519Blob();
    expect(keyBlobType(k)).to.equal('ssh-ed25519');
    expect(openSshPublicKey(k)).to.equal(`ssh-ed25519 ${b64(k)}`);
    expect(keyBlobType(Buffer.from([0, 0]))).to.equal(undefined);
  });
  it('fingerprints like ssh-keygen -l (SHA256, base64 without padding)', () => {
    // fixed vector: sha256 of "abc" = ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=
    expect(fingerprintSha256(Buffer.from('abc'))).to.equal(
      'SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0',
    );
  });
  it('names hosts as OpenSSH does: bare for 22, [host]:port otherwise, lower case', () => {
    expect(knownHostsName('Node1', 22)).to.equal('node1');
    expect(knownHostsName('127.0.0.1', 2222)).to.equal('[127.0.0.1]:2222');
  });
});

describe('known_hosts: parsing', () => {
  it('parses plain, marked and commented lines; reports bad lines and skips them', () => {
    const k = ed25519Blob();
    const text = [
      '# comment',
      '',
      `a,b ssh-ed25519 ${b64(k)} comment here`,
      `@revoked * ssh-ed25519 ${b64(k)}`,
      `@cert-authority *.lab ssh-ed25519 ${b64(k)}`,
      `@bogus x ssh-ed25519 ${b64(k)}`,
      'short line',
      `c ssh-rsa ${b64(k)}`,
      'd ssh-ed25519 !!!notbase64',
    ].join('\n');
    const r = parseKnownHosts(text, 'kh');
    expect(r.lines.map((l) => [l.line, l.marker, l.hosts, l.keyType])).to.deep.equal([
      [3, null, 'a,b', 'ssh-ed25519'],
      [4, 'revoked', '*', 'ssh-ed25519'],
      [5, 'cert-authority', '*.lab', 'ssh-ed25519'],
    ]);
    expect(r.warnings).to.have.length(4);
    expect(r.warnings[0]).to.match(/^kh:6: unknown marker/);
    expect(r.warnings[2]).to.match(/^kh:8: key type ssh-rsa does not match/);
  });
});

describe('known_hosts: host matching', () => {
  it('matches comma lists, wildcards and negation', () => {
    expect(hostFieldMatches('n1,10.0.0.1', '10.0.0.1')).to.equal(true);
    expect(hostFieldMatches('*.lab,!db.lab', 'db.lab')).to.equal(false);
    expect(hostFieldMatches('*.lab,!db.lab', 'web.lab')).to.equal(true);
    expect(hostFieldMatches('[n1]:2222', '[n1]:2222')).to.equal(true);
    expect(hostFieldMatches('n1', '[n1]:2222')).to.equal(false);
    expect(hostFieldMatches('[n1]:2222', 'n1')).to.equal(false);
  });
  it('matches hashed entries (HMAC-SHA1 of the name with the salt), also with ports', () => {
    const salt = randomBytes(20);
    const name = '[127.0.0.1]:2222';
    const h = createHmac('sha1', salt).update(name).digest('base64');
    const line = `|1|${salt.toString('base64')}|${h}`;
    expect(hashKnownHostsName(name, salt)).to.equal(line);
    expect(hostFieldMatches(line, name)).to.equal(true);
    expect(hostFieldMatches(line, '127.0.0.1')).to.equal(false);
    expect(hostFieldMatches(line, '[127.0.0.1]:2223')).to.equal(false);
    expect(hostFieldMatches('|1|garbage', name)).to.equal(false);
  });
});

describe('known_hosts: checking a key', () => {
  const key = ed25519Blob();
  const other = ed25519Blob();
  const rsa = fakeBlob('ssh-rsa', 'whatever');

  it('accepts a matching key under the host name or the address', () => {
    const { lines } = parseKnownHosts(`web.lab ssh-ed25519 ${b64(key)}\n`, 'kh');
    expect(checkHostKey(lines, ['web.lab', '10.0.0.5'], key).kind).to.equal('ok');
    const byIp = parseKnownHosts(`10.0.0.5 ssh-ed25519 ${b64(key)}\n`, 'kh').lines;
    expect(checkHostKey(byIp, ['web.lab', '10.0.0.5'], key).kind).to.equal('ok');
  });
  it('accepts a hashed entry with a port', () => {
    const name = knownHostsName('127.0.0.1', 2200);
    const text = `${hashKnownHostsName(name, randomBytes(20))} ssh-ed25519 ${b64(key)}\n`;
    const { lines } = parseKnownHosts(text, 'kh');
    expect(checkHostKey(lines, [name], key).kind).to.equal('ok');
    expect(checkHostKey(lines, ['127.0.0.1'], key).kind).to.equal('unknown');
  });
  it('reports a changed key of the same type with file and line', () => {
    const { lines } = parseKnownHosts(`# x\nweb.lab ssh-ed25519 ${b64(other)}\n`, '/k/known_hosts');
    const v = checkHostKey(lines, ['web.lab'], key);
    expect(v.kind).to.equal('changed');
    if (v.kind !== 'changed') return;
    expect(v.entries.map((e) => `${e.file}:${e.line}`)).to.deep.equal(['/k/known_hosts:2']);
  });
  it('a key of another type only is unknown, naming the known types', () => {
    const { lines } = parseKnownHosts(`web.lab ssh-rsa ${b64(rsa)}\n`, 'kh');
    expect(checkHostKey(lines, ['web.lab'], key)).to.deep.equal({ kind: 'unknown', otherTypes: ['ssh-rsa'] });
    expect(knownKeyTypes(lines, ['web.lab'])).to.deep.equal(['ssh-rsa']);
  });
  it('one matching line among several keys is enough', () => {
    const text = `web.lab ssh-ed25519 ${b64(other)}\nweb.lab ssh-ed25519 ${b64(key)}\n`;
    expect(checkHostKey(parseKnownHosts(text, 'kh').lines, ['web.lab'], key).kind).to.equal('ok');
  });
  it('@revoked wins over a matching entry, whatever its host pattern', () => {
    const text = `web.lab ssh-ed25519 ${b64(key)}\n@revoked other.host ssh-ed25519 ${b64(key)}\n`;
    const v = checkHostKey(parseKnownHosts(text, 'kh').lines, ['web.lab'], key);
    expect(v.kind).to.equal('revoked');
  });
  it('@cert-authority lines are ignored', () => {
    const text = `@cert-authority web.lab ssh-ed25519 ${b64(key)}\n`;
    expect(checkHostKey(parseKnownHosts(text, 'kh').lines, ['web.lab'], key).kind).to.equal('unknown');
  });
  it('unknown host', () => {
    expect(checkHostKey([], ['x'], key)).to.deep.equal({ kind: 'unknown', otherTypes: [] });
  });
});
