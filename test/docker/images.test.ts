// A node's images as `docker image inspect` prints them (issue 13 item 1): IDs, layer diff IDs,
// tags; lines that are not an image are skipped.
import { expect } from 'chai';
import { parseImageLines } from '../../src/docker/images.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;

describe('node images (docker image inspect lines)', () => {
  it('ID, layers bottom first, tags sorted; an untagged image has no tags', () => {
    const text = [
      `"${id('b')}" ["${id('1')}","${id('2')}"] ["z:1","a:2"]`,
      `"${id('a')}" ["${id('1')}"] []`,
      '',
      '"not-an-id" [] []',
    ].join('\n');
    expect(parseImageLines(text)).to.deep.equal([
      { id: id('a'), layers: [id('1')] },
      { id: id('b'), layers: [id('1'), id('2')], tags: ['a:2', 'z:1'] },
    ]);
  });
});
