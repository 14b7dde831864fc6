// SSH transport used by flocker-deploy: one ssh2 connection per node, strict host key checking.
//
// Behaviour in brief (details in the modules):
// - ssh config: read by OpenSSH itself (`ssh -G`, ssh-g.ts) from ~/.ssh/config and the system
//   config, or ConnectOptions.sshConfigPath; host-options.ts says what is honoured, ignored or
//   refused (docs/ssh.md). ProxyJump / ProxyCommand routes (route.ts, proxy.ts) are decided
//   before any contact. ConnectOptions.connectTimeoutMs beats ConnectTimeout from the config;
//   default 10 s per hop (covers TCP connect, handshake and auth).
// - Address: HostName (or the node name) resolved ONCE (dns.lookup, IPv4 first); the connection
//   goes to that address and NodeConnection.address exposes it.
// - Host keys: always strict. Checked under the HostName and the address (`[host]:port` when not
//   22) in knownHostsPaths if given (only those), else UserKnownHostsFile (default
//   ~/.ssh/known_hosts{,2}) + GlobalKnownHostsFile (default /etc/ssh/ssh_known_hosts{,2}).
//   Unknown / changed / @revoked keys are refused (exit 1: found after contact); @cert-authority is ignored.
//   "StrictHostKeyChecking no|accept-new" in the config is ignored and the refusal says so.
// - Auth: ssh-agent (SSH_AUTH_SOCK, or agentSocket) unless IdentitiesOnly yes; then -i style
//   identityFiles, then IdentityFile from the config, else ~/.ssh/id_{ed25519,ecdsa,rsa}.
//   Encrypted keys are never prompted for: they need the agent (clear E_SSH_KEY error).
// - Commands: argv is shellQuote'd and run over an exec channel; at most 8 channels at once per
//   connection (sshd MaxSessions defaults to 10), others queue. With RunOptions.timeoutMs the
//   command runs under `timeout -s KILL` on the node (sshd refuses signal requests for root).
export { connectAll, sshPorts } from './connect.js';
export type { ConnectOptions } from './connect-options.js';
export { runAll, runAllSettled } from './parallel.js';
export type { NodeConnection, SshRunOptions } from './connection.js';
export { AggregateNodeError, SSH_ERROR_CODES, toNodeError } from './errors.js';
