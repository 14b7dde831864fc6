// Files on a node, behind a small seam. The production implementation runs commands through a
// CommandRunner, so the same code writes files locally (LocalRunner) or inside a lab node (ssh).
import type { CommandRunner } from './runner.js';
import { runChecked } from './check.js';
import { NodeCommandError } from '../errors.js';

export interface NodeFiles {
  /** file content, or undefined if it does not exist */
  read(path: string): Promise<string | undefined>;
  /** atomically replace the file (parents created 0700); mode is set before content is written */
  write(path: string, content: string, mode: number): Promise<void>;
  /** remove if present */
  remove(path: string): Promise<void>;
  /** entry names in dir, sorted; [] if dir does not exist */
  list(dir: string): Promise<string[]>;
}

// Constant scripts; paths and modes arrive as positional parameters, never spliced into code.
const WRITE =
  'set -e; umask 077; d=$(dirname -- "$1"); [ -d "$d" ] || mkdir -p -m 0700 -- "$d"; ' +
  't="$1.flocker-tmp"; cat > "$t"; chmod "$2" "$t"; mv -f -- "$t" "$1"';
const READ = 'if [ -e "$1" ]; then cat -- "$1"; else exit 3; fi';
const LIST = 'if [ -d "$1" ]; then ls -1A -- "$1"; fi';

export class RunnerNodeFiles implements NodeFiles {
  constructor(private readonly runner: CommandRunner) {}

  async read(path: string): Promise<string | undefined> {
    const argv = ['sh', '-c', READ, 'sh', path];
    const r = await this.runner.run(argv);
    if (r.code === 3) return undefined;
    if (r.code !== 0)
      throw new NodeCommandError(this.runner.host, argv, r.code, r.stderr, `cannot read ${path}`);
    return r.stdout;
  }

  async write(path: string, content: string, mode: number): Promise<void> {
    await runChecked(this.runner, ['sh', '-c', WRITE, 'sh', path, mode.toString(8).padStart(4, '0')], {
      stdin: content,
    });
  }

  async remove(path: string): Promise<void> {
    await runChecked(this.runner, ['rm', '-f', '--', path]);
  }

  async list(dir: string): Promise<string[]> {
    const r = await runChecked(this.runner, ['sh', '-c', LIST, 'sh', dir]);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .sort();
  }
}

/** In-memory files (tests, fakes). Modes are recorded so tests can check secrecy. */
export class MemoryNodeFiles implements NodeFiles {
  readonly files = new Map<string, { content: string; mode: number }>();

  read(path: string): Promise<string | undefined> {
    return Promise.resolve(this.files.get(path)?.content);
  }
  write(path: string, content: string, mode: number): Promise<void> {
    this.files.set(path, { content, mode });
    return Promise.resolve();
  }
  remove(path: string): Promise<void> {
    this.files.delete(path);
    return Promise.resolve();
  }
  list(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of this.files.keys())
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] as string);
    return Promise.resolve([...names].sort());
  }
}
