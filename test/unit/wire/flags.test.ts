import { expect } from 'chai';
import { flagsToString, parseFlags } from '../../../lib/wire/flags';
import { ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../../../lib/wire/types';

describe('wire/flags', () => {
  it('prints scapy letters in F S R P A U E C N order, without reserved bits', () => {
    expect(flagsToString(SYN | ACK)).to.equal('SA');
    expect(flagsToString(SYN | ECE | CWR)).to.equal('SEC');
    expect(flagsToString(0xfff)).to.equal('FSRPAUECN');
    expect(flagsToString(0xe00)).to.equal('');
    expect(flagsToString(0)).to.equal('');
    expect(flagsToString(AE | SYN)).to.equal('SN');
  });
  it('parses letters in any order and any case', () => {
    expect(parseFlags('AS')).to.equal(SYN | ACK);
    expect(parseFlags('')).to.equal(0);
    expect(parseFlags('nCeUaPrSf')).to.equal(FIN | SYN | RST | PSH | ACK | URG | ECE | CWR | AE);
    expect(parseFlags('RA')).to.equal(RST | ACK);
  });
  it('round-trips all 512 combinations of the nine flags', () => {
    for (let f = 0; f < 0x200; f++) expect(parseFlags(flagsToString(f))).to.equal(f);
  });
  it('throws naming the bad letter and listing the valid ones', () => {
    expect(() => parseFlags('SX')).to.throw(/'X'.*F S R P A U E C N/);
  });
});
