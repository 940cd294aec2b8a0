// The ledger's clock for the harness's own frames: a sent frame takes the capture's timestamp when the
// capture sees it leave, so it and the DUT's answer (made inside the send system call, stamped by the
// same capture) are in wire order; without an echo, the time taken before the send keeps the order.
import { expect } from 'chai';
import type { CaseFile } from '../../../lib/case';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { emitEthernet, ETH_HEADER, ipEthertype } from '../../../lib/wire/ethernet';
import { caseResult, type CaseEnd } from '../../../harness/runner/case-result';
import { now, msToNs } from '../../../harness/runner/clock';
import { DutLedger } from '../../../harness/runner/dut-ledger';

const DUT = '198.18.0.1';
const PEER = '198.18.0.2';
const DUT_MAC = '02:00:00:00:00:01';
const PEER_MAC = '02:00:00:00:00:02';

function frame(ip: Uint8Array, from: 'peer' | 'dut'): Uint8Array {
  const f = new Uint8Array(ETH_HEADER + ip.length);
  emitEthernet({ dst: from === 'peer' ? DUT_MAC : PEER_MAC, src: from === 'peer' ? PEER_MAC : DUT_MAC, type: ipEthertype(4) }, f);
  f.set(ip, ETH_HEADER);
  return f;
}

const synIp = buildIp({ ip: 4, src: PEER, dst: DUT, sport: 40000, dport: 8080, flags: 'S', seq: 1000, window: 1000, id: 7 });
const rstIp = buildIp({ ip: 4, src: DUT, dst: PEER, sport: 8080, dport: 40000, flags: 'RA', seq: 0, ack: 1001, window: 0 });
const CASE = { file: 'cases/x.yaml', name: 'x', spec: [], trailing: 'judge', flows: [], steps: [] } as unknown as CaseFile;

function end(): CaseEnd {
  return { status: 'pass', steps: [], kernel: 'k', sysctls: {}, profile: 'p', drops: 0, durationMs: 0, epochOffsetNs: 0n };
}

function ledger(): DutLedger {
  return new DutLedger(DUT, PEER, (p) => (p === 40000 ? 'a' : undefined));
}

describe("runner/dut-ledger: one clock for the harness's frames and the DUT's", () => {
  it("a sent frame takes the capture's time and bytes as it leaves; the answer sorts after it", async () => {
    const l = ledger();
    const before = now();
    const t = l.sent(decodeIp(synIp), frame(synIp, 'peer'), before, 'step 1: send on flow a', before + msToNs(1000));
    // The raw path's kernel rewrote the IPv4 checksum on the way: the record keeps what was on the wire.
    const onWire = frame(synIp, 'peer');
    l.onFrame({ bytes: onWire, tNs: before + 5000n });
    l.onFrame({ bytes: frame(rstIp, 'dut'), tNs: before + 9000n });
    expect(await t).to.equal(before + 5000n);
    expect(l.tx[0]).to.include({ tNs: before + 5000n, onWire: true, frame: onWire });
    const r = caseResult(undefined, l, DUT_MAC, end(), CASE, 4, 1);
    expect(r.packets.map((p) => [p.dir, p.tsNs])).to.deep.equal([
      ['sent', before + 5000n],
      ['received', before + 9000n],
    ]);
    expect(r.packets[0].comment).to.equal('step 1: send on flow a');
  });

  it('not seen by the deadline: the time taken before the send, still before an answer made inside it', async () => {
    const l = ledger();
    const before = now();
    const t = l.sent(decodeIp(synIp), frame(synIp, 'peer'), before, 'step 1: send on flow a', before);
    l.onFrame({ bytes: frame(rstIp, 'dut'), tNs: before + 1n });
    expect(await t).to.equal(before);
    const r = caseResult(undefined, l, DUT_MAC, end(), CASE, 4, 1);
    expect(r.packets.map((p) => p.dir)).to.deep.equal(['sent', 'received']);
    expect(r.packets[0].comment).to.match(/not seen leaving by the capture: stamped just before the send/);
  });

  it('an echo after the deadline still corrects the record (not what the case timed from it)', async () => {
    const l = ledger();
    const before = now();
    const t = l.sent(decodeIp(synIp), frame(synIp, 'peer'), before, 'step 1: send on flow a', before);
    expect(await t).to.equal(before);
    l.onFrame({ bytes: frame(synIp, 'peer'), tNs: before + 700n });
    expect(l.tx[0]).to.include({ tNs: before + 700n, onWire: true });
    expect(l.foreign).to.have.length(0);
  });

  it('two identical frames are matched to their echoes in order', async () => {
    const l = ledger();
    const before = now();
    const a = l.sent(decodeIp(synIp), frame(synIp, 'peer'), before, 'step 1', before + msToNs(1000));
    const b = l.sent(decodeIp(synIp), frame(synIp, 'peer'), before + 10n, 'step 2', before + msToNs(1000));
    l.onFrame({ bytes: frame(synIp, 'peer'), tNs: before + 100n });
    l.onFrame({ bytes: frame(synIp, 'peer'), tNs: before + 200n });
    expect([await a, await b]).to.deep.equal([before + 100n, before + 200n]);
  });
});
