// Docker-style link variables. They point at the address of the node the container runs on:
// every node answers on every app's external port, so the link reaches the linked app
// wherever it runs and a move of the linked app does not restart the linking one.
import type { Application } from './application.js';

export function linkEnvironment(app: Application, nodeAddress: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const l of app.links) {
    const prefix = `${l.alias.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_PORT_${l.local_port}_TCP`;
    env[prefix] = `tcp://${nodeAddress}:${l.remote_port}`;
    env[`${prefix}_ADDR`] = nodeAddress;
    env[`${prefix}_PORT`] = String(l.remote_port);
    env[`${prefix}_PROTO`] = 'tcp';
  }
  return env;
}
