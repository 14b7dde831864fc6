// Checks on one application entry that JSON Schema cannot express (or not with a useful
// message). They run on user input and on reportstate output alike, on values that may have
// failed the schema: every check looks only at parts that have the right shape.
import { quoteText } from '../validation/echo.js';
import type { PathProblem } from './schema.js';
import { formatPath } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;

/** Why a mountpoint is unusable, or null if it is fine. */
function mountpointProblem(m: string): string | null {
  if (!m.startsWith('/')) return 'expected an absolute path (starting with "/")';
  if (m.replace(/\/+$/, '') === '') return 'expected a directory below "/", not "/" itself';
  if (m.split('/').some((s) => s === '..' || s === '.'))
    return 'expected a path without "." or ".." components';
  if (m.includes(':')) return 'expected a path without ":" (Docker uses it to separate volume options)';
  if (/[\n\r\0,]/.test(m)) return 'expected a path without newline, NUL or "," characters';
  return null;
}

/**
 * `volume`: exactly one of mountpoint (one volume) and mounts (several, issue 13 item 2); every
 * mountpoint usable; names and mountpoints each used once (a name is a sub-folder of the dataset).
 */
function volumeProblems(volume: Record<string, unknown>, ref: (p: KeyPath) => string): PathProblem[] {
  const out: PathProblem[] = [];
  const one = volume['mountpoint'];
  const mounts = volume['mounts'];
  if (one === undefined && mounts === undefined)
    out.push({
      path: ['volume'],
      target: 'value',
      message: 'missing required key "mountpoint" (or "mounts" for two or more volumes)',
    });
  if (one !== undefined && mounts !== undefined)
    out.push({
      path: ['volume', 'mounts'],
      target: 'key',
      message:
        'expected either mountpoint (one volume) or mounts (two or more), found both: write every volume under mounts',
    });
  const checkPath = (m: unknown, path: KeyPath): void => {
    if (typeof m !== 'string') return;
    const why = mountpointProblem(m);
    if (why) out.push({ path, target: 'value', message: `${why}, found ${quoteText(m)}` });
  };
  checkPath(one, ['volume', 'mountpoint']);
  if (Array.isArray(mounts)) {
    const names = new Map<string, number>();
    const paths = new Map<string, number>();
    mounts.forEach((m: unknown, i) => {
      if (!isRecord(m)) return;
      checkPath(m['mountpoint'], ['volume', 'mounts', i, 'mountpoint']);
      const name = m['name'];
      if (typeof name === 'string') {
        const first = names.get(name);
        if (first !== undefined)
          out.push({
            path: ['volume', 'mounts', i, 'name'],
            target: 'value',
            message: `expected a volume name not used by another volume of this application, found ${quoteText(name)} (also ${ref(['volume', 'mounts', first])})`,
          });
        else names.set(name, i);
      }
      const mp = m['mountpoint'];
      if (typeof mp === 'string') {
        const key = mp.replace(/\/+$/, '');
        const first = paths.get(key);
        if (first !== undefined)
          out.push({
            path: ['volume', 'mounts', i, 'mountpoint'],
            target: 'value',
            message: `expected a mountpoint not used by another volume of this application, found ${quoteText(mp)} (also ${ref(['volume', 'mounts', first])})`,
          });
        else paths.set(key, i);
      }
    });
  }
  return out;
}

/** docker's check forms, checked here so a bad one is exit 2 rather than a failed start */
function healthTestProblem(test: readonly string[]): string | null {
  const [form, ...rest] = test;
  const found = `found ${quoteText(form ?? '')} with ${rest.length} more item${rest.length === 1 ? '' : 's'}`;
  if (form === 'CMD' && rest.length === 0)
    return `expected ["CMD", program, args...] with a program, ${found}`;
  if (form === 'CMD-SHELL' && rest.length !== 1)
    return `expected ["CMD-SHELL", "one command line"] (exactly one string after CMD-SHELL), ${found}`;
  if (form === 'NONE' && rest.length !== 0) return `expected ["NONE"] alone, ${found}`;
  if (form !== 'CMD' && form !== 'CMD-SHELL' && form !== 'NONE')
    return `expected the first item to be CMD, CMD-SHELL or NONE, found ${quoteText(form ?? '')}`;
  return null;
}

/**
 * `ref` names another item of the entry in a message ("also ports[0]"); a compose entry passes
 * one that names the item the user wrote (its list may have had refused items removed).
 */
export function checkEntrySemantics(entry: unknown, ref: (p: KeyPath) => string = formatPath): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isRecord(entry)) return out;

  const volume = entry['volume'];
  if (isRecord(volume)) out.push(...volumeProblems(volume, ref));

  const links = entry['links'];
  if (Array.isArray(links)) {
    // one link per (alias, local port): they name the link's variables ALIAS_PORT_LOCAL_TCP
    // (alias uppercased, "-" as "_") and its NAT rule (the alias's address, the local port)
    const seen = new Map<string, number>();
    links.forEach((l: unknown, i) => {
      if (!isRecord(l)) return;
      const alias = l['alias'];
      const lp = l['local_port'];
      if (typeof alias !== 'string' || !isPort(lp)) return;
      const key = `${alias.toUpperCase().replace(/[^A-Z0-9]/g, '_')} ${lp}`;
      const first = seen.get(key);
      if (first !== undefined) {
        out.push({
          path: ['links', i, 'local_port'],
          target: 'value',
          message: `expected a local port not used by another link of this application with the alias ${quoteText(alias)}, found ${lp} (also ${ref(['links', first])}; aliases are compared uppercased, "-" as "_")`,
        });
      } else seen.set(key, i);
    });
  }

  const ports = entry['ports'];
  if (Array.isArray(ports)) {
    const externals = new Map<string, number>();
    ports.forEach((p: unknown, i) => {
      if (!isRecord(p)) return;
      const ext = p['external'];
      if (isPort(ext)) {
        // 53/tcp and 53/udp are two ports
        const k = `${p['protocol'] === 'udp' ? 'udp' : 'tcp'}/${ext}`;
        const first = externals.get(k);
        if (first !== undefined) {
          out.push({
            path: ['ports', i, 'external'],
            target: 'value',
            message: `expected an external port not already mapped by this application, found ${ext} (also ${ref(['ports', first])})`,
          });
        } else externals.set(k, i);
      }
    });
  }

  const hc = entry['healthcheck'];
  const test = isRecord(hc) ? hc['test'] : undefined;
  if (Array.isArray(test) && test.length > 0 && test.every((t) => typeof t === 'string')) {
    const why = healthTestProblem(test as string[]);
    if (why) out.push({ path: ['healthcheck', 'test'], target: 'value', message: why });
  }

  const rp = entry['restart_policy'];
  if (
    isRecord(rp) &&
    rp['maximum_retry_count'] !== undefined &&
    typeof rp['name'] === 'string' &&
    rp['name'] !== 'on-failure'
  ) {
    out.push({
      path: ['restart_policy', 'maximum_retry_count'],
      target: 'key',
      message: `expected maximum_retry_count only with name: on-failure, found it with name: ${rp['name']}`,
    });
  }
  return out;
}
