// Reading a user's input file safely: only a regular file (or "-" for stdin), checked with
// fstat BEFORE any byte is read (a FIFO must not hang, /dev/zero must not be read whole), at
// most MAX_INPUT_BYTES, strict UTF-8. Used for both config files and --ssh-config.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Larger than any real config (a 100-app file is ~10 KiB); said in the error and in the README. */
export const MAX_INPUT_BYTES = 1024 * 1024;
export const MAX_INPUT_TEXT = '1 MiB';

/** Why an input could not be read; `line`/`column` only for a UTF-8 error. */
export interface ReadFailure {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export type ReadResult = { readonly text: string } | { readonly failure: ReadFailure };

const tooLarge = (): ReadResult => ({
  failure: { message: `the file is larger than ${MAX_INPUT_TEXT}, more than a config ever needs` },
});

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFIFO:
      return 'a FIFO (named pipe)';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    case constants.S_IFSOCK:
      return 'a socket';
    default:
      return 'not a regular file';
  }
}

/**
 * Read a regular file. O_NONBLOCK makes open() of a FIFO return at once (a FIFO without writer
 * would block it); it changes nothing for regular files.
 */
export function readInputFile(file: string): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return { failure: { message: `cannot read the file: ${osMessage(e)}` } };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      return {
        failure: {
          message: `expected a regular file, found ${kindOf(st.mode)} (use "-" to read standard input)`,
        },
      };
    }
    if (st.size > MAX_INPUT_BYTES) return tooLarge();
    // bounded read: the size may change under us, so read to EOF but never past the limit + 1
    const buf = Buffer.allocUnsafe(MAX_INPUT_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    if (n > MAX_INPUT_BYTES) return tooLarge();
    return decodeUtf8(buf.subarray(0, n));
  } catch (e) {
    return { failure: { message: `cannot read the file: ${osMessage(e)}` } };
  } finally {
    closeSync(fd);
  }
}

/** Read a stream (stdin for "-") up to the limit; more is refused without reading it all. */
export async function readInputStream(stream: AsyncIterable<Buffer | string>): Promise<ReadResult> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of stream) {
      const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      n += b.length;
      if (n > MAX_INPUT_BYTES) return tooLarge();
      chunks.push(b);
    }
  } catch (e) {
    return { failure: { message: `cannot read standard input: ${osMessage(e)}` } };
  }
  return decodeUtf8(Buffer.concat(chunks, n));
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Strict UTF-8: an invalid byte is an error naming its byte offset and line:col (never a
 * silent U+FFFD). A leading BOM is removed so columns count from the first real character.
 */
export function decodeUtf8(buf: Uint8Array): ReadResult {
  let text: string;
  try {
    text = decoder.decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    const prefix = decoder.decode(buf.subarray(0, at));
    const { line, column } = lineColOfEnd(prefix.charCodeAt(0) === 0xfeff ? prefix.slice(1) : prefix);
    const byte = (buf[at] ?? 0).toString(16).padStart(2, '0');
    return {
      failure: {
        message: `expected UTF-8 text, found the byte 0x${byte} at byte offset ${at} (line ${line}, column ${column}); save the file as UTF-8`,
        line,
        column,
      },
    };
  }
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    let len: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      min = 0x10000;
    } else return i;
    if (i + len > b.length) return i;
    let cp = c & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const cc = b[i + k] as number;
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return b.length;
}

/** 1-based line and column of the position just after `s` (lines end at LF, CRLF or CR). */
function lineColOfEnd(s: string): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || (c === 13 && s.charCodeAt(i + 1) !== 10)) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: s.length - start + 1 };
}

function osMessage(e: unknown): string {
  // "ENOENT: no such file or directory, open 'x'": the file is named by the problem already
  return e instanceof Error ? e.message.replace(/, \w+ '.*'$/s, '') : String(e);
}
