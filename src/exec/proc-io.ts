// Bytes a process has written so far, from /proc/PID/io (`wchar`): how a transfer whose stream
// goes process to process through the kernel (zfs send -> ssh) is measured without copying it.
// About the stream's size: it also counts the process's other writes (zfs-fuse: its requests to
// the daemon, ~0.3%). undefined when unreadable (no /proc, not ours, already exited).
import { readFileSync } from 'node:fs';

export function parseWrittenBytes(procIo: string): number | undefined {
  const m = /^wchar:\s*(\d+)\s*$/m.exec(procIo);
  return m ? Number(m[1]) : undefined;
}

export function writtenBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return parseWrittenBytes(readFileSync(`/proc/${pid}/io`, 'utf8'));
  } catch {
    return undefined;
  }
}
