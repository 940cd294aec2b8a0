import { expect } from 'chai';
import { le64Bytes, siphash24 } from '../../../lib/model/core/siphash';

const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('model/siphash: SipHash-2-4', () => {
  it("matches the paper's test vectors (key 00..0f, messages 00..n-1)", () => {
    const key = seq(16);
    // From the SipHash paper (Appendix A) and the reference implementation's vectors.h, as LE bytes.
    expect(hex(le64Bytes(siphash24(key, seq(0))))).to.equal('310e0edd47db6f72');
    expect(hex(le64Bytes(siphash24(key, seq(1))))).to.equal('fd67dc93c539f874');
    expect(hex(le64Bytes(siphash24(key, seq(7))))).to.equal('37d1018bf50002ab');
    expect(hex(le64Bytes(siphash24(key, seq(8))))).to.equal('6224939a79f5f593');
    expect(siphash24(key, seq(15))).to.equal(0xa129ca6149be45e5n);
  });

  it('refuses a key that is not 16 bytes', () => {
    expect(() => siphash24(seq(8), seq(1))).to.throw(/16 bytes/);
  });
});
