import { expect } from 'chai';
import { checksumPartial, concatBytes, foldChecksum, fromHex, internetChecksum, toHex } from '../../../lib/wire/bytes';

describe('wire/bytes', () => {
  describe('internet checksum', () => {
    it('RFC 1071 §3 example: sum 0x2ddf0, folded 0xddf2, checksum 0x220d', () => {
      const b = fromHex('00 01 f2 03 f4 f5 f6 f7');
      expect(checksumPartial(b, 0, b.length)).to.equal(0x2ddf0);
      expect(foldChecksum(0x2ddf0)).to.equal(0xddf2);
      expect(internetChecksum(b, 0, b.length)).to.equal(0x220d);
    });

    it('IPv4 header with a known checksum (b861) verifies to 0, and recomputes to b861', () => {
      const h = fromHex('45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7');
      expect(internetChecksum(h, 0, h.length)).to.equal(0);
      h[10] = 0;
      h[11] = 0;
      expect(internetChecksum(h, 0, h.length)).to.equal(0xb861);
    });

    it('pads an odd trailing byte with zero and honours start/end/initial', () => {
      const b = fromHex('ff 01 02 03 04');
      expect(checksumPartial(b, 1, 4)).to.equal(0x0102 + 0x0300);
      expect(checksumPartial(b, 1, 3, 5)).to.equal(0x0102 + 5);
      expect(internetChecksum(b, 1, 5)).to.equal(~(0x0102 + 0x0304) & 0xffff);
    });

    it('never throws on out-of-range bounds', () => {
      const b = fromHex('0102');
      expect(checksumPartial(b, 0, 100)).to.equal(0x0102);
      expect(checksumPartial(b, 5, 2)).to.equal(0);
      expect(internetChecksum(new Uint8Array(0), 0, 0)).to.equal(0xffff);
    });

    it('folds sums of large buffers correctly', () => {
      const b = new Uint8Array(300000).fill(0xff);
      expect(foldChecksum(checksumPartial(b, 0, b.length))).to.equal(0xffff);
      expect(internetChecksum(b, 0, b.length)).to.equal(0);
    });
  });

  describe('hex', () => {
    it('toHex is lowercase without separators', () => {
      expect(toHex(Uint8Array.from([0, 0xab, 0x0f, 0xff]))).to.equal('00ab0fff');
      expect(toHex(new Uint8Array(0))).to.equal('');
      expect(toHex(new Uint8Array(100).fill(0xa5))).to.equal('a5'.repeat(100));
    });
    it('fromHex accepts spaces, colons, mixed case and 0x', () => {
      expect(Array.from(fromHex('DE:ad be\nEF'))).to.deep.equal([0xde, 0xad, 0xbe, 0xef]);
      expect(Array.from(fromHex('0x0102'))).to.deep.equal([1, 2]);
      expect(fromHex('').length).to.equal(0);
    });
    it('fromHex throws clear errors on odd length and non-hex', () => {
      expect(() => fromHex('abc')).to.throw(/odd number of digits/);
      expect(() => fromHex('zz')).to.throw(/'z' is not a hex digit/);
    });
    it('concatBytes', () => {
      expect(Array.from(concatBytes([fromHex('01'), fromHex(''), fromHex('0203')]))).to.deep.equal([1, 2, 3]);
    });
  });
});
