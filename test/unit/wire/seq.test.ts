import { expect } from 'chai';
import { seqAdd, seqDiff, seqGeq, seqGt, seqInRange, seqLeq, seqLt } from '../../../lib/wire/seq';

describe('wire/seq', () => {
  it('adds modulo 2^32', () => {
    expect(seqAdd(0xffffffff, 1)).to.equal(0);
    expect(seqAdd(0xfffffff0, 0x20)).to.equal(0x10);
    expect(seqAdd(5, -10)).to.equal(0xfffffffb);
    expect(seqAdd(0x80000000, 0x80000000)).to.equal(0);
  });
  it('diff is a signed int32', () => {
    expect(seqDiff(5, 0xfffffff0)).to.equal(21);
    expect(seqDiff(0xfffffff0, 5)).to.equal(-21);
    expect(seqDiff(0, 0x80000000)).to.equal(-0x80000000);
    expect(seqDiff(7, 7)).to.equal(0);
  });
  it('compares across the wrap', () => {
    expect(seqLt(0xfffffff0, 5)).to.equal(true);
    expect(seqGt(5, 0xfffffff0)).to.equal(true);
    expect(seqLeq(5, 5)).to.equal(true);
    expect(seqGeq(5, 5)).to.equal(true);
    expect(seqLt(5, 5)).to.equal(false);
    expect(seqGt(0xfffffff0, 5)).to.equal(false);
    expect(seqLt(1, 2)).to.equal(true);
    expect(seqGeq(0, 0xffffffff)).to.equal(true);
  });
  it('seqInRange is lo ≤ x ≤ hi walking forward from lo', () => {
    expect(seqInRange(0, 0xfffffff0, 0x10)).to.equal(true);
    expect(seqInRange(0xfffffff0, 0xfffffff0, 0x10)).to.equal(true);
    expect(seqInRange(0x10, 0xfffffff0, 0x10)).to.equal(true);
    expect(seqInRange(0x11, 0xfffffff0, 0x10)).to.equal(false);
    expect(seqInRange(0xffffffef, 0xfffffff0, 0x10)).to.equal(false);
    expect(seqInRange(5, 5, 5)).to.equal(true);
    expect(seqInRange(6, 5, 5)).to.equal(false);
  });
});
