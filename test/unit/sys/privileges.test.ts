import { expect } from 'chai';
import { effectiveCaps, missingCaps } from '../../../harness/sys/privileges';

describe('privileges: the capabilities a run needs', () => {
  it('reads CapEff and names what is missing', () => {
    const full = effectiveCaps('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n');
    expect(full).to.equal(0x1ffffffffffn);
    expect(missingCaps(full)).to.deep.equal([]);
    expect(missingCaps(0n)).to.deep.equal(['CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(missingCaps((1n << 21n) | (1n << 12n))).to.deep.equal(['CAP_NET_RAW']);
  });
  it('an unreadable status is not taken for a missing capability', () => {
    expect(effectiveCaps('Name:\tnode\n')).to.equal(undefined);
    expect(missingCaps(undefined)).to.deep.equal([]);
  });
});
