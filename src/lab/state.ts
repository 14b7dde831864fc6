// Effects: reading and writing the lab's state.json.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { labNames } from './names.js';
import type { LabState } from './types.js';

export function readLabState(name: string): LabState | null {
  const f = labNames(name).stateFile;
  if (!existsSync(f)) return null;
  return JSON.parse(readFileSync(f, 'utf8')) as LabState;
}

export function writeLabState(state: LabState): void {
  const f = labNames(state.name).stateFile;
  writeFileSync(`${f}.new`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${f}.new`, f);
}
