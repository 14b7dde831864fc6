import { expect } from 'chai';
import { literalAddress } from '../../src/model/node-address.js';

describe('node names that are address literals', () => {
  it('reads every spelling of one IPv4 or IPv6 address as that address', () => {
    for (const n of ['192.0.2.1', '192.000.002.001', '3221225985', '0xc0.0.2.1', '192.0.513'])
      expect(literalAddress(n), n).to.equal('192.0.2.1');
    for (const n of ['2001:db8::1', '2001:DB8:0:0::1', '2001:0db8:0000:0000:0000:0000:0000:0001'])
      expect(literalAddress(n), n).to.equal('2001:db8::1');
    expect(literalAddress('31')).to.equal('0.0.0.31');
  });

  it('host names and ssh aliases are not addresses (only contact tells them apart)', () => {
    for (const n of ['node1', 'NODE1', 'web.example', 'constructor', '1.2.3.4.5', 'a:b', '192.0.2.256x'])
      expect(literalAddress(n), n).to.equal(undefined);
  });
});
