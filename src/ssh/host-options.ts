// One host's settings from what `ssh -G` printed for it: every option is honoured, known not to
// change where or how flocker connects (ignored, listed in docs/ssh.md), or refused. A value that
// differs from OpenSSH's default (`ssh -G -F /dev/null`) for a refused or unknown option is an
// error naming the option — never silently dropped. Pure.
import type { SshGOptions } from './ssh-g.js';
import type { ProxySetting, ResolvedHostConfig, StrictHostKeyChecking } from './ssh-config.js';

/** An option flocker cannot honour for this host, or a value it cannot read. */
export class SshOptionRefusal extends Error {
  constructor(
    /** the ssh_config keyword as written in the docs (ProxyUseFdpass) */
    readonly option: string,
    readonly value: string,
    readonly why: string,
  ) {
    super(`${option} ${value}: ${why}`);
    this.name = 'SshOptionRefusal';
  }
}

/** Options read into ResolvedHostConfig (ssh -G keyword → honoured). */
const HONOURED = new Set([
  'host',
  'hostname',
  'user',
  'port',
  'identityfile',
  'identitiesonly',
  'identityagent',
  'userknownhostsfile',
  'globalknownhostsfile',
  'stricthostkeychecking',
  'connecttimeout',
  'proxyjump',
  'proxycommand',
  'hostkeyalias',
  'addressfamily',
  'serveraliveinterval',
  'serveralivecountmax',
]);

/**
 * Options that do not change where or how flocker connects, or that flocker already does more
 * strictly (host keys): whatever their value, the connection is the one ssh would make.
 */
export const IGNORED = new Set([
  // logging and display
  'loglevel',
  'logverbose',
  'syslogfacility',
  'visualhostkey',
  'fingerprinthash',
  'escapechar',
  'enableescapecommandline',
  'obscurekeystroketiming',
  'tag',
  'ignoreunknown',
  // interactive sessions and forwardings: flocker runs its own commands, forwards nothing
  'sendenv',
  'setenv',
  'forwardagent',
  'forwardx11',
  'forwardx11timeout',
  'forwardx11trusted',
  'xauthlocation',
  'requesttty',
  'remotecommand',
  'sessiontype',
  'stdinnull',
  'forkafterauthentication',
  'localforward',
  'remoteforward',
  'dynamicforward',
  'clearallforwardings',
  'exitonforwardfailure',
  'gatewayports',
  'permitlocalcommand',
  'localcommand',
  'permitremoteopen',
  'streamlocalbindmask',
  'streamlocalbindunlink',
  'tunnel',
  'tunneldevice',
  'channeltimeout',
  // transport tuning
  'compression',
  'ipqos',
  'rekeylimit',
  'tcpkeepalive',
  // flocker never writes known_hosts, never prompts, and checks host keys strictly anyway
  'hashknownhosts',
  'updatehostkeys',
  'checkhostip',
  'verifyhostkeydns',
  'nohostauthenticationforlocalhost',
  'batchmode',
  'numberofpasswordprompts',
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'kbdinteractivedevices',
  'addkeystoagent',
  'requiredrsasize',
  'securitykeyprovider',
  'casignaturealgorithms',
  'enablesshkeysign',
  // GSSAPI is one more method ssh may try; a server that needs it refuses flocker's keys (E_SSH_AUTH)
  'gssapiauthentication',
  'gssapidelegatecredentials',
  'gssapikexalgorithms',
  'gssapikeyexchange',
  'gssapirenewalforcesrekey',
  'gssapitrustdns',
  'gssapiclientidentity',
  'gssapiserveridentity',
  // connection sharing: flocker opens its own connection per node
  'controlmaster',
  'controlpath',
  'controlpersist',
  // only used when CanonicalizeHostname is on, which is refused
  'canonicaldomains',
  'canonicalizefallbacklocal',
  'canonicalizemaxdots',
  'canonicalizepermittedcnames',
  'hostbasedacceptedalgorithms',
]);

/** Options refused when set to anything but OpenSSH's default, with why. */
export const REFUSED: Readonly<Record<string, { readonly name: string; readonly why: string }>> = {
  proxyusefdpass: {
    name: 'ProxyUseFdpass',
    why: 'flocker cannot receive a socket from the ProxyCommand; drop ProxyUseFdpass',
  },
  certificatefile: {
    name: 'CertificateFile',
    why: 'flocker cannot offer ssh certificates (ssh2); authorize the plain key on the node',
  },
  pkcs11provider: {
    name: 'PKCS11Provider',
    why: 'flocker does not load PKCS#11 tokens; add the key to ssh-agent instead (ssh-add -s)',
  },
  knownhostscommand: {
    name: 'KnownHostsCommand',
    why: 'flocker checks host keys against known_hosts files only',
  },
  revokedhostkeys: {
    name: 'RevokedHostKeys',
    why: 'flocker cannot read a key revocation list; mark revoked keys with @revoked in known_hosts',
  },
  canonicalizehostname: {
    name: 'CanonicalizeHostname',
    why: 'flocker does not canonicalize host names; give the full HostName',
  },
  bindaddress: { name: 'BindAddress', why: 'flocker does not bind its connections to a local address' },
  bindinterface: { name: 'BindInterface', why: 'flocker does not bind its connections to an interface' },
  connectionattempts: {
    name: 'ConnectionAttempts',
    why: 'flocker tries each node once (a deploy retries as a whole)',
  },
  ciphers: { name: 'Ciphers', why: 'flocker negotiates its own algorithms (ssh2)' },
  macs: { name: 'MACs', why: 'flocker negotiates its own algorithms (ssh2)' },
  kexalgorithms: { name: 'KexAlgorithms', why: 'flocker negotiates its own algorithms (ssh2)' },
  hostkeyalgorithms: { name: 'HostKeyAlgorithms', why: 'flocker negotiates its own algorithms (ssh2)' },
  pubkeyacceptedalgorithms: {
    name: 'PubkeyAcceptedAlgorithms',
    why: 'flocker offers every key it has, whatever its algorithm',
  },
  pubkeyauthentication: {
    name: 'PubkeyAuthentication',
    why: 'flocker authenticates with public keys (and ssh-agent) only',
  },
  hostbasedauthentication: {
    name: 'HostbasedAuthentication',
    why: 'flocker does not do host-based authentication',
  },
};

/** ssh_config spelling of the honoured keywords (for messages) */
const NAMES: Readonly<Record<string, string>> = {
  hostname: 'HostName',
  port: 'Port',
  user: 'User',
  identityfile: 'IdentityFile',
  identitiesonly: 'IdentitiesOnly',
  identityagent: 'IdentityAgent',
  stricthostkeychecking: 'StrictHostKeyChecking',
  connecttimeout: 'ConnectTimeout',
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
  hostkeyalias: 'HostKeyAlias',
  addressfamily: 'AddressFamily',
  serveraliveinterval: 'ServerAliveInterval',
  serveralivecountmax: 'ServerAliveCountMax',
};

export function optionName(key: string): string {
  return REFUSED[key]?.name ?? NAMES[key] ?? key;
}

export interface HostOptionsContext {
  /** the local user's home (~ and %d) */
  readonly home: string;
  readonly localUser: string;
  readonly localHost: string;
  /** where an option was set (file:line list) for the refusal's message */
  readonly where: (option: string) => string;
}

function same(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** The options of `alias` from ssh -G (`opts`) and OpenSSH's defaults for it (`defaults`). */
export function hostOptions(
  alias: string,
  opts: SshGOptions,
  defaults: SshGOptions,
  ctx: HostOptionsContext,
): ResolvedHostConfig {
  const refusals: SshOptionRefusal[] = [];
  for (const [key, values] of opts) {
    if (HONOURED.has(key) || IGNORED.has(key)) continue;
    if (same(values, defaults.get(key))) continue;
    const r = REFUSED[key];
    const why = r ? r.why : 'flocker does not know this option, so it cannot honour it';
    refusals.push(new SshOptionRefusal(optionName(key), values.join(' '), `${why} (${ctx.where(key)})`));
  }
  if (refusals.length > 0) throw refusals[0];

  const one = (key: string): string | undefined => opts.get(key)?.[0];
  const set = (key: string): string | undefined => {
    const v = one(key);
    return v !== undefined && !same(opts.get(key), defaults.get(key)) ? v : undefined;
  };
  const bad = (key: string, value: string, what: string): SshOptionRefusal =>
    new SshOptionRefusal(optionName(key), value, `${what} (${ctx.where(key)})`);

  const hostName = one('hostname') ?? alias;
  const user = one('user') ?? ctx.localUser;
  const portText = one('port') ?? '22';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw bad('port', portText, 'not a port number');

  const tokens: Record<string, string> = {
    h: hostName,
    p: String(port),
    r: user,
    n: alias,
    u: ctx.localUser,
    d: ctx.home,
    l: ctx.localHost,
    L: ctx.localHost.split('.')[0] ?? ctx.localHost,
    i: String(process.getuid?.() ?? 0),
  };
  const expand = (key: string, value: string): string => {
    const unknown = /%([^%hprnudlLi])/.exec(value.replace(/%%/g, ''));
    if (unknown) throw bad(key, value, `token %${unknown[1] ?? ''} is not expanded by flocker`);
    const v = value.replace(/%(.)/g, (_w, t: string) => (t === '%' ? '%' : (tokens[t] ?? '')));
    return v === '~' ? ctx.home : v.startsWith('~/') ? ctx.home + v.slice(1) : v;
  };

  const identitySet = !same(opts.get('identityfile'), defaults.get('identityfile'));
  const identityFiles = identitySet
    ? [
        ...new Set(
          (opts.get('identityfile') ?? [])
            .filter((f) => f.toLowerCase() !== 'none')
            .map((f) => expand('identityfile', f)),
        ),
      ]
    : [];
  const identitiesOnly = one('identitiesonly') === 'yes';
  const knownFiles = (key: string): string[] => {
    if (!set(key)) return [];
    return (one(key) ?? '')
      .split(' ')
      .filter((f) => f !== '' && f.toLowerCase() !== 'none')
      .map((f) => expand(key, f));
  };

  let strictHostKeyChecking: ResolvedHostConfig['strictHostKeyChecking'];
  const strict = set('stricthostkeychecking');
  if (strict !== undefined) {
    const map: Record<string, StrictHostKeyChecking> = {
      true: 'yes',
      yes: 'yes',
      false: 'no',
      no: 'no',
      off: 'off',
      'accept-new': 'accept-new',
      ask: 'ask',
    };
    const value = Object.prototype.hasOwnProperty.call(map, strict) ? map[strict] : undefined;
    if (value && value !== 'ask')
      strictHostKeyChecking = { value, source: ctx.where('stricthostkeychecking') };
  }

  let connectTimeoutMs: number | undefined;
  const ct = one('connecttimeout');
  if (ct !== undefined && ct !== 'none') {
    if (!/^\d+$/.test(ct) || Number(ct) === 0) throw bad('connecttimeout', ct, 'not a number of seconds');
    connectTimeoutMs = Number(ct) * 1000;
  }

  let identityAgent: string | null | undefined;
  const agent = set('identityagent');
  if (agent !== undefined) {
    if (agent === 'none') identityAgent = null;
    else if (agent === 'SSH_AUTH_SOCK') identityAgent = undefined;
    else if (agent.startsWith('$')) identityAgent = process.env[agent.slice(1)] ?? null;
    else identityAgent = expand('identityagent', agent);
  }

  let addressFamily: 4 | 6 | undefined;
  const af = one('addressfamily');
  if (af === 'inet') addressFamily = 4;
  else if (af === 'inet6') addressFamily = 6;

  let keepalive: ResolvedHostConfig['keepalive'];
  const aliveInterval = Number(one('serveraliveinterval') ?? '0');
  if (aliveInterval > 0)
    keepalive = { intervalMs: aliveInterval * 1000, countMax: Number(one('serveralivecountmax') ?? '3') };

  let proxy: ProxySetting = { kind: 'direct' };
  const jump = one('proxyjump');
  const command = one('proxycommand');
  if (jump !== undefined && jump !== 'none') {
    proxy = { kind: 'jump', hops: jump.split(',').filter((h) => h !== '') };
  } else if (command !== undefined && command !== 'none') {
    proxy = { kind: 'command', command: expand('proxycommand', command) };
  }

  const hostKeyAlias = set('hostkeyalias');
  return {
    alias,
    hostName,
    user,
    port,
    identityFiles,
    identitiesOnly,
    userKnownHostsFiles: knownFiles('userknownhostsfile'),
    globalKnownHostsFiles: knownFiles('globalknownhostsfile'),
    ...(strictHostKeyChecking ? { strictHostKeyChecking } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(hostKeyAlias !== undefined ? { hostKeyAlias } : {}),
    ...(identityAgent !== undefined ? { identityAgent } : {}),
    ...(addressFamily !== undefined ? { addressFamily } : {}),
    ...(keepalive ? { keepalive } : {}),
    proxy,
  };
}

/** One ProxyJump hop `[user@]host[:port]` (or ssh://[user@]host[:port]). */
export function parseJumpHop(spec: string): { host: string; user?: string; port?: number } {
  let s = spec.startsWith('ssh://') ? spec.slice(6) : spec;
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let port: number | undefined;
  let host = s;
  const v6 = /^\[(.*)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1] ?? '';
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else {
    const m = /^([^:]*):(\d+)$/.exec(s);
    if (m) {
      host = m[1] ?? '';
      port = Number(m[2]);
    }
  }
  if (host === '' || (port !== undefined && (port < 1 || port > 65535)) || user === '')
    throw new SshOptionRefusal('ProxyJump', spec, 'not a [user@]host[:port] jump host');
  return { host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}
