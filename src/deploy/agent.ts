// The one-file node agent (dist/agent/flocker-agent.mjs) as the deploy side ships it: its
// version (package version + sha256 of the file), where it lives on a node, and the fixed shell
// scripts that check it (folded into the first command a deploy runs on a node) and install it.
// The scripts are constants: every value reaches them as a positional argument, never as text.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FlockerError } from '../errors.js';

export const AGENT_BASE = '/usr/local/lib/flocker/agent';
export const AGENT_FILE = 'flocker-agent.mjs';
/** stable wrappers for what runs without a deploy: the peer endpoint (sshd) and routes at boot */
export const AGENT_WRAPPER_DIR = '/usr/local/sbin';
/** Debian 12 ships Node.js 18 */
export const MIN_NODE_MAJOR = 18;

/** exit codes of the scripts below (the node programs themselves exit 0, 1 or 2) */
export const EXIT_NO_NODEJS = 96;
export const EXIT_NOT_INSTALLED = 97;
export const EXIT_OLD_NODEJS = 95;
export const EXIT_BAD_SHA = 94;

export interface AgentBundle {
  /** "0.1.0-<first 12 hex of sha256>": the directory name on the node */
  readonly version: string;
  readonly sha256: string;
  /** the file (ASCII JavaScript) */
  readonly text: string;
}

export function agentBundle(text: string, packageVersion: string): AgentBundle {
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return { version: `${packageVersion}-${sha256.slice(0, 12)}`, sha256, text };
}

export const agentDir = (b: AgentBundle): string => `${AGENT_BASE}/${b.version}`;
export const agentPath = (b: AgentBundle): string => `${agentDir(b)}/${AGENT_FILE}`;

/** The bundle of this installation: dist/agent/flocker-agent.mjs beside dist/src. */
export async function loadAgentBundle(): Promise<AgentBundle> {
  const file = new URL(`../../agent/${AGENT_FILE}`, import.meta.url);
  const pkg = new URL('../../../package.json', import.meta.url);
  let text: string;
  let version: string;
  try {
    text = await readFile(file, 'utf8');
    version = (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
  } catch (e) {
    throw new FlockerError(
      `the node agent ${file.pathname} cannot be read (${e instanceof Error ? e.message : String(e)}): run npm run build`,
      'E_AGENT_BUILD',
    );
  }
  return agentBundle(text, version);
}

/** The node program `program` run by the exact installed version. */
export function agentArgv(b: AgentBundle, program: string, args: readonly string[]): string[] {
  return ['node', agentPath(b), program, ...args];
}

/**
 * The check's first stdout line when it passed, before the program starts: callers waiting for
 * the check go on at once (the first command may be the deploy lock, which runs until the end).
 */
export const CHECKED_LINE = '#flocker-agent-checked';

/**
 * Runs the agent only if exactly this version is installed (VERSION file and the file's sha256):
 * else exits EXIT_NOT_INSTALLED, or EXIT_NO_NODEJS without node. argv: sh -c CHECK sh DIR VERSION
 * SHA PROGRAM ARGS... A few ms on the node, in the same round trip as the command itself.
 */
export const CHECK_SCRIPT = [
  'd=$1; v=$2; sha=$3; shift 3',
  'command -v node >/dev/null 2>&1 || { echo "flocker-agent: node: command not found" >&2; exit 96; }',
  '[ "$(cat "$d/VERSION" 2>/dev/null)" = "$v $sha" ] && echo "$sha  $d/flocker-agent.mjs" | sha256sum -c --status 2>/dev/null' +
    ' || { echo "flocker-agent: $v is not installed" >&2; exit 97; }',
  `echo '${CHECKED_LINE}'`,
  'exec node "$d/flocker-agent.mjs" "$@"',
].join('\n');

export function checkedAgentArgv(b: AgentBundle, program: string, args: readonly string[]): string[] {
  return ['sh', '-c', CHECK_SCRIPT, 'sh', agentDir(b), b.version, b.sha256, program, ...args];
}

/**
 * Installs the file arriving on stdin as version V: checks node, verifies the sha256, renames
 * the file and its VERSION into place (atomic: two deploys installing at once both write whole,
 * identical files), points `current` and the wrappers at it, keeps the 3 newest versions.
 * Prints {"installed":V,"previous":P}. argv: sh -c INSTALL sh BASE V SHA MIN_MAJOR WRAPPER_DIR
 */
export const INSTALL_SCRIPT = [
  'set -e',
  'base=$1; v=$2; sha=$3; min=$4; wdir=$5; d=$base/$v',
  'node=$(command -v node) || { echo "flocker-agent: node: command not found (install Debian\'s nodejs: apt-get install nodejs)" >&2; exit 96; }',
  'major=$("$node" -p \'process.versions.node.split(".")[0]\' 2>/dev/null) || major=0',
  '[ "$major" -ge "$min" ] || { echo "flocker-agent: Node.js $("$node" --version 2>/dev/null) is too old: $min or newer is needed (apt-get install nodejs)" >&2; exit 95; }',
  'mkdir -p "$d" "$wdir"',
  'prev=$(readlink "$base/current" 2>/dev/null || true)',
  't=$(mktemp "$d/.agent.XXXXXX")',
  'cat > "$t"',
  'echo "$sha  $t" | sha256sum -c --status || { rm -f "$t"; echo "flocker-agent: the file received does not have sha256 $sha" >&2; exit 94; }',
  'chmod 755 "$t"; mv -f "$t" "$d/flocker-agent.mjs"',
  't=$(mktemp "$d/.version.XXXXXX"); printf \'%s %s\\n\' "$v" "$sha" > "$t"; chmod 644 "$t"; mv -f "$t" "$d/VERSION"',
  'ln -sfn "$v" "$base/.current.$$"; mv -fT "$base/.current.$$" "$base/current"',
  'for p in reportstate changestate; do',
  '  t=$(mktemp "$wdir/.flocker-$p.XXXXXX")',
  '  printf \'#!/bin/sh\\n# flocker node agent (installed by flocker-deploy)\\nexec %s %s %s "$@"\\n\' "$node" "$base/current/flocker-agent.mjs" "$p" > "$t"',
  '  chmod 755 "$t"; mv -f "$t" "$wdir/flocker-$p"',
  'done',
  // older versions: a deploy still running one keeps its open file; the 3 newest stay
  'ls -1t "$base" | grep -vx current | tail -n +4 | while read -r old; do [ "$old" = "$v" ] || [ "$old" = current ] || rm -rf "${base:?}/$old"; done',
  'printf \'{"installed":"%s","previous":"%s"}\\n\' "$v" "$prev"',
].join('\n');

export function installArgv(b: AgentBundle): string[] {
  return [
    'sh',
    '-c',
    INSTALL_SCRIPT,
    'sh',
    AGENT_BASE,
    b.version,
    b.sha256,
    String(MIN_NODE_MAJOR),
    AGENT_WRAPPER_DIR,
  ];
}

/** What an install did: first install, another version replaced, or a damaged copy repaired. */
export type AgentAction = 'installed' | 'updated' | 'repaired';

export function installAction(stdout: string, version: string): { action: AgentAction; previous?: string } {
  let previous = '';
  try {
    const v = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { previous?: unknown };
    if (typeof v.previous === 'string') previous = v.previous;
  } catch {
    /* an older script's output: say installed */
  }
  if (previous === '') return { action: 'installed' };
  return { action: previous === version ? 'repaired' : 'updated', previous };
}
