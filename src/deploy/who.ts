// Who deploys, for the audit log and the lock holder record: the person (the OS user; under
// sudo, the user who ran sudo) and the machine (its host name).
import { hostname, userInfo } from 'node:os';

export interface Deployer {
  readonly user: string;
  readonly host: string;
}

export function deployer(env: NodeJS.ProcessEnv = process.env): Deployer {
  let osUser = env.USER ?? 'unknown';
  try {
    osUser = userInfo().username;
  } catch {
    // no passwd entry for this uid (a container): keep $USER
  }
  const sudo = env.SUDO_USER;
  const user = sudo && sudo !== 'root' && osUser === 'root' ? sudo : osUser;
  let host = 'unknown';
  try {
    host = hostname() || 'unknown';
  } catch {
    // keep 'unknown'
  }
  return { user, host };
}
