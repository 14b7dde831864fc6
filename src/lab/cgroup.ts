// Effects: a private cgroup subtree per node in every hierarchy (no host systemd to do it).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cgroupDirs, parseProcCgroup } from './nspawn.js';

function unifiedMount(): string | undefined {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return '/sys/fs/cgroup';
  if (existsSync('/sys/fs/cgroup/unified/cgroup.procs')) return '/sys/fs/cgroup/unified';
  return undefined;
}

function copyIfEmpty(from: string, to: string, file: string): void {
  const cur = readFileSync(`${to}/${file}`, 'utf8').trim();
  if (cur === '') writeFileSync(`${to}/${file}`, readFileSync(`${from}/${file}`, 'utf8'));
}

/** Make `<our cgroup>/<leaf>` in every hierarchy; returns the directories (cgroup.procs parents). */
export function makeNodeCgroups(leaf: string): string[] {
  const lines = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  const dirs: string[] = [];
  for (const { hierarchy, dir } of cgroupDirs(lines, leaf, unifiedMount())) {
    if (!existsSync(hierarchy)) continue;
    mkdirSync(dir, { recursive: true });
    if (existsSync(`${dir}/cpuset.cpus`)) {
      // cpuset v1: a new cgroup starts with no cpus/mems; fill parent then leaf
      const parent = dirname(dir);
      const grand = dirname(parent);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        copyIfEmpty(grand, parent, f);
        copyIfEmpty(parent, dir, f);
      }
    }
    dirs.push(dir);
  }
  return dirs;
}

/** pids in a cgroup dir and all its descendants */
export function cgroupPids(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const l of readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n'))
        if (l !== '') out.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(`${d}/${e.name}`);
    } catch {
      /* gone */
    }
  };
  walk(dir);
  return [...new Set(out)];
}

/** rmdir a cgroup subtree depth-first, then its parent if empty (shared flocker-lab dir) */
export function removeCgroup(dir: string): void {
  const walk = (d: string): void => {
    try {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(`${d}/${e.name}`);
      rmdirSync(d);
    } catch {
      /* busy or gone */
    }
  };
  walk(dir);
  try {
    rmdirSync(dirname(dir));
  } catch {
    /* other labs still use it */
  }
}
