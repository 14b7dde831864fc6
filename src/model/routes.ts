// Route identity and order (issue 13: a route has a protocol; absent = TCP). Pure.
import type { ReportedRoute } from './state.js';

/** (protocol, port) identifies a route: 53/tcp and 53/udp are two */
export const routePortKey = (r: { readonly port: number; readonly protocol?: 'udp' }): string =>
  `${r.protocol ?? 'tcp'}/${r.port}`;

/** Route order: by port, TCP before UDP, then target. */
export function byRoutePort(a: ReportedRoute, b: ReportedRoute): number {
  return (
    a.port - b.port ||
    (a.protocol ?? 'tcp').localeCompare(b.protocol ?? 'tcp') ||
    (a.target_address < b.target_address ? -1 : a.target_address > b.target_address ? 1 : 0) ||
    a.target_port - b.target_port
  );
}
