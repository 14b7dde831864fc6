import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
/** GET a URL from the host, retrying while a service comes up (or a route switches). */
export async function fetchText(url: string, tries = 30): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (r.ok) return await r.text();
      last = new Error(`HTTP ${r.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url}: ${String(last)}`);
}

/**
 * What a look-alike server says ("NAME-ok"), retried while it comes up. `request`: sent once
 * connected (an httpd wants one: "GET / HTTP/1.0\r\n\r\n"); plain servers answer on connect.
 */
export async function askLookalike(
  host: string,
  port: number,
  opts: { readonly tries?: number; readonly request?: string } = {},
): Promise<string> {
  let last = '';
  for (let i = 0; i < (opts.tries ?? 30); i++) {
    last = await new Promise<string>((resolve) => {
      const s = connect({ host, port, timeout: 3000 });
      let got = '';
      const request = opts.request;
      if (request !== undefined) s.on('connect', () => s.write(request));
      s.on('data', (b: Buffer) => (got += b.toString()));
      s.on('end', () => resolve(got));
      s.on('close', () => resolve(got));
      s.on('timeout', () => {
        s.destroy();
        resolve(got);
      });
      s.on('error', (e) => resolve(got || `error: ${e.message}`));
    });
    const m = /([a-z0-9-]+-ok)\b/.exec(last);
    if (m) return m[1] as string;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last.trim();
}

/** The socket of the lab node's dockerd with `address` (a deploying machine's docker, in tests). */
export function dockerSocketOf(address: string): string {
  const pids = execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      const ip = execFileSync('nsenter', ['-t', pid, '-n', 'ip', '-4', '-o', 'addr'], { encoding: 'utf8' });
      if (new RegExp(`inet ${address.replace(/\./g, '\\.')}/`).test(ip))
        return `unix:///proc/${pid}/root/run/docker.sock`;
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no dockerd with address ${address}`);
}
