// Docker-style link variables. Every node answers on every application's external port (see
// src/routing), so a link points at the address of the node the linking container runs on: it
// reaches the linked application wherever that runs, and moving it needs no restart here.
import type { Application, Link } from '../model/application.js';
import { dict } from '../util/own.js';

export function linkPrefix(link: Link): string {
  return `${link.alias.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT_${link.local_port}_TCP`;
}

/** Variables of one link, docker-link style. */
export function linkVariables(link: Link, nodeAddress: string): Record<string, string> {
  const p = linkPrefix(link);
  return {
    [p]: `tcp://${nodeAddress}:${link.remote_port}`,
    [`${p}_ADDR`]: nodeAddress,
    [`${p}_PORT`]: String(link.remote_port),
    [`${p}_PROTO`]: 'tcp',
  };
}

/** All link variables of an application running on the node at nodeAddress (sorted keys). */
export function linkEnvironment(app: Application, nodeAddress: string): Record<string, string> {
  const all = dict<string>();
  for (const l of app.links) Object.assign(all, linkVariables(l, nodeAddress));
  const out = dict<string>();
  for (const k of Object.keys(all).sort()) out[k] = all[k] as string;
  return out;
}
