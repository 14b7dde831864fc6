// Bytes a process has read so far, from /proc/PID/io (`rchar`): how a stream that goes process
// to process through the kernel (zfs send -> ssh) is measured without copying it: ssh reads the
// whole stream from its stdin. About the stream's size: rchar also counts ssh's other reads
// (its config and keys, the peer's few replies: some KiB). (The producer cannot be read instead:
// zfs-fuse's daemon, not the `zfs send` process, writes the stream.) undefined when unreadable
// (no /proc, not ours, already exited).
import { readFileSync } from 'node:fs';

export function parseReadBytes(procIo: string): number | undefined {
  const m = /^rchar:\s*(\d+)\s*$/m.exec(procIo);
  return m ? Number(m[1]) : undefined;
}

export function readBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return parseReadBytes(readFileSync(`/proc/${pid}/io`, 'utf8'));
  } catch {
    return undefined;
  }
}
