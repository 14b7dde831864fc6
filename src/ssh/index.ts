// SSH transport used by flocker-deploy: one ssh2 connection per node, strict host key checking.
export { connectAll, connectNode, runAll, runAllSettled, mapLimit, defaultResolve } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_CONCURRENCY } from './connect.js';
export { SshNodeConnection, DEFAULT_MAX_CHANNELS } from './connection.js';
export type { NodeConnection, SshRunOptions } from './connection.js';
export { AggregateNodeError, SshConfigError, SSH_ERROR_CODES, toNodeError } from './errors.js';
export { shellQuote, shellQuoteArg } from './quote.js';
