// The hand-written classic BPF programs, run by a small interpreter of the instructions they use:
// the DUT filter keeps exactly TCP from the DUT's two addresses, whole; the pause filter keeps nothing.
import { expect } from 'chai';
import { rejectAll, tcpFrom } from '../../../harness/capture/bpf';
import { buildFrame } from '../../../lib/wire/build';

/** Runs a classic BPF program (ld abs b/h/w, jeq k, ret k) on a frame; returns the snap length. */
function run(prog: Buffer, pkt: Uint8Array): number {
  let a = 0;
  for (let pc = 0; pc < prog.length / 8; pc++) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog[pc * 8 + 2];
    const jf = prog[pc * 8 + 3];
    const k = prog.readUInt32LE(pc * 8 + 4);
    const need = (n: number): boolean => k + n <= pkt.length;
    switch (code) {
      case 0x20:
        if (!need(4)) return 0;
        a = ((pkt[k] << 24) | (pkt[k + 1] << 16) | (pkt[k + 2] << 8) | pkt[k + 3]) >>> 0;
        break;
      case 0x28:
        if (!need(2)) return 0;
        a = (pkt[k] << 8) | pkt[k + 1];
        break;
      case 0x30:
        if (!need(1)) return 0;
        a = pkt[k];
        break;
      case 0x15:
        pc += a === k ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('fell off the end');
}

const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';

describe('packet socket filters', () => {
  const prog = tcpFrom('198.18.7.1', '2001:2:0:7::1');
  const f = (ip: 4 | 6, src: string, dst: string) => buildFrame({ ip, src, dst, sport: 8080, dport: 40000, flags: 'SA' }, M1, M2);

  it('keeps TCP from the DUT, whole, in both families', () => {
    expect(run(prog, f(4, '198.18.7.1', '198.18.7.2'))).to.be.at.least(65535);
    expect(run(prog, f(6, '2001:2:0:7::1', '2001:2:0:7::2'))).to.be.at.least(65535);
  });

  it('drops what the tester sends, other sources, other protocols, other ethertypes', () => {
    expect(run(prog, f(4, '198.18.7.2', '198.18.7.1'))).to.equal(0);
    expect(run(prog, f(6, '2001:2:0:7::2', '2001:2:0:7::1'))).to.equal(0);
    expect(run(prog, f(4, '198.18.8.1', '198.18.7.2'))).to.equal(0);
    expect(run(prog, f(6, '2001:2:0:7::3', '2001:2:0:7::2'))).to.equal(0);
    expect(run(prog, f(6, '2001:2:0:8::1', '2001:2:0:7::2'))).to.equal(0);
    const udp = f(4, '198.18.7.1', '198.18.7.2');
    udp[14 + 9] = 17;
    expect(run(prog, udp)).to.equal(0);
    const udp6 = f(6, '2001:2:0:7::1', '2001:2:0:7::2');
    udp6[14 + 6] = 17;
    expect(run(prog, udp6)).to.equal(0);
    const arp = f(4, '198.18.7.1', '198.18.7.2');
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(run(prog, arp)).to.equal(0);
    expect(run(prog, Uint8Array.of(1, 2, 3))).to.equal(0);
  });

  it('the pause filter keeps nothing', () => {
    expect(run(rejectAll(), f(4, '198.18.7.1', '198.18.7.2'))).to.equal(0);
  });
});
