// The wire-order checker of the whole-suite results test (test/integration/wire-order.ts) finds a reply
// stamped before its stimulus, and leaves deliberate oddities (an ACK for data never sent) alone.
import { expect } from 'chai';
import { orderProblems, tsharkOrderWarnings, type WireSeg } from '../../integration/wire-order';

const seg = (n: number, t: number, from: 'peer' | 'dut', o: Partial<WireSeg>): WireSeg => ({
  n,
  tNs: BigInt(t),
  src: from,
  sport: from === 'peer' ? 40000 : 8080,
  dport: from === 'peer' ? 8080 : 40000,
  seq: 0,
  span: 0,
  expert: [],
  ...o,
});

describe('wire order: a reply before its stimulus is found', () => {
  const syn = (n: number, t: number): WireSeg => seg(n, t, 'peer', { seq: 1000, span: 1 });
  const synack = (n: number, t: number, expert: string[] = []): WireSeg => seg(n, t, 'dut', { seq: 5, ack: 1001, span: 1, expert });

  it('in order: nothing', () => {
    expect(orderProblems([syn(1, 10), synack(2, 20)])).to.deep.equal([]);
  });

  it("the SYN-ACK stamped before its SYN: the ACK of a later segment, and tshark's warning is about ordering", () => {
    const segs = [synack(1, 10, ["ACKed segment that wasn't captured (common at capture start)"]), syn(2, 20)];
    expect(orderProblems(segs)).to.deep.equal(['frame 1 acknowledges 1001, sent only later in frame 2']);
    expect(tsharkOrderWarnings(segs)).to.have.length(1);
  });

  it('time going back in file order', () => {
    expect(orderProblems([syn(1, 20), synack(2, 10)])[0]).to.match(/frame 2: time goes back 10 ns/);
  });

  it("an ACK for sequence space never sent (a case's bad ACK) is not ordering", () => {
    const segs = [syn(1, 10), seg(2, 20, 'dut', { seq: 5, ack: 7777, span: 1, expert: ["ACKed segment that wasn't captured"] })];
    expect(orderProblems(segs)).to.deep.equal([]);
    expect(tsharkOrderWarnings(segs)).to.deep.equal([]);
  });

  it('a gap filled by a later segment of the same direction', () => {
    const segs = [seg(1, 10, 'peer', { seq: 1010, span: 5, expert: ['previous segment not captured'] }), seg(2, 20, 'peer', { seq: 1000, span: 10 })];
    expect(orderProblems(segs)).to.have.length(1);
    expect(tsharkOrderWarnings(segs)).to.have.length(1);
  });
});
