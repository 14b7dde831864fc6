// The payload archive, pinned to its bytes from before the tar writer moved to src/exec.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { payloadTar } from '../../src/systemd/payload-tar.js';
import type { Payload } from '../../src/model/payload.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('payload tar', () => {
  it('writes the same bytes as before the writer was shared', () => {
    const p: Payload = {
      entries: [
        { path: '', type: 'dir' },
        { path: 'a', type: 'dir' },
        { path: 'a/x.sh', type: 'file', data: b64('#!/bin/sh\necho hi\n'), executable: true },
        { path: 'b.txt', type: 'file', data: b64('hello') },
        { path: `${'d'.repeat(60)}/${'e'.repeat(60)}/f.txt`, type: 'file', data: b64('deep') },
      ],
    } as Payload;
    const sha = createHash('sha256').update(payloadTar(p, 'top')).digest('hex');
    expect(sha).to.equal('fbe1f247c4a4cea951eb0e9e0bd5de0f1d8ab3854037e143aca3f594ff3f52e2');
  });
});
