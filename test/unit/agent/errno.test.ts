import { expect } from 'chai';
import { E, ErrnoError, errnoName, errnoNumber, errnoTable } from '../../../harness/sys/errno';

describe('errno names', () => {
  it('maps the handshake-relevant numbers', () => {
    expect(errnoName(11)).to.equal('EAGAIN');
    expect(errnoName(115)).to.equal('EINPROGRESS');
    expect(errnoName(111)).to.equal('ECONNREFUSED');
    expect(errnoName(110)).to.equal('ETIMEDOUT');
    expect(errnoName(104)).to.equal('ECONNRESET');
    expect(errnoName(98)).to.equal('EADDRINUSE');
    expect(errnoName(107)).to.equal('ENOTCONN');
    expect(errnoName(106)).to.equal('EISCONN');
    expect(errnoName(114)).to.equal('EALREADY');
    expect(errnoName(92)).to.equal('ENOPROTOOPT');
    expect(errnoName(0)).to.equal('');
    expect(errnoName(999)).to.equal('E999');
  });

  it('round-trips names, aliases and unknowns', () => {
    for (const [name, n] of errnoTable()) expect(errnoNumber(name)).to.equal(n);
    expect(errnoNumber('EWOULDBLOCK')).to.equal(11);
    expect(errnoNumber('ENOTSUP')).to.equal(95);
    expect(errnoNumber('E999')).to.equal(999);
    expect(errnoNumber('ENOPE')).to.equal(undefined);
    for (const [name, n] of Object.entries(E)) expect(errnoName(n)).to.equal(name);
  });

  it('agrees with the host errno table (koffi.os.errno)', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const koffi = require('koffi') as { os: { errno: Record<string, number> } };
    for (const [name, n] of errnoTable()) {
      if (name in koffi.os.errno) expect(koffi.os.errno[name], name).to.equal(n);
    }
  });

  it('ErrnoError carries the name', () => {
    const e = new ErrnoError('unshare(CLONE_NEWNET)', 1, 'Operation not permitted');
    expect(e.code).to.equal('EPERM');
    expect(e.message).to.equal('unshare(CLONE_NEWNET): EPERM (Operation not permitted)');
  });
});
