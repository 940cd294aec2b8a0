// The comparable form: two runs of one case whose kernels drew different random values (ISN, TS offset,
// ephemeral port, flow label, IP ID) normalise to the same fields; a real difference does not vanish.
import { strict as assert } from 'assert';
import { buildFrame, type PacketSpec } from '../../../lib/wire/build';
import { normaliseCase, type NormalisePacket } from '../../../lib/compare/normalise';

const MAC_P = '02:00:00:00:00:01';
const MAC_D = '02:00:00:00:00:02';

function frame(dir: 'peer' | 'dut', s: Partial<PacketSpec> & { flags: string }, ip: 4 | 6 = 4): Uint8Array {
  const [src, dst] = ip === 4 ? ['198.18.0.2', '198.18.0.1'] : ['2001:2::2', '2001:2::1'];
  const spec: PacketSpec = dir === 'peer' ? { ip, src, dst, sport: 40000, dport: 8080, ...s } : { ip, src: dst, dst: src, sport: 8080, dport: 40000, ...s };
  return dir === 'peer' ? buildFrame(spec, MAC_P, MAC_D) : buildFrame(spec, MAC_D, MAC_P);
}

/** A passive open as two kernels with their own random values would answer it. */
function handshake(r: { isn: number; ts: number; id: number; flow?: number; ip?: 4 | 6; win?: number }): NormalisePacket[] {
  const ip = r.ip ?? 4;
  const v6 = ip === 6 ? { flow: r.flow ?? 0 } : { id: r.id };
  return [
    { dir: 'peer', step: 1, judged: true, bytes: frame('peer', { flags: 'S', seq: 1000, options: [{ kind: 'ts', val: 100, ecr: 0 }] }, ip) },
    // The kernel's answer is captured before the harness stamped its send.
    {
      dir: 'dut',
      step: 2,
      judged: true,
      tMs: 0.1,
      bytes: frame(
        'dut',
        {
          ...v6,
          flags: 'SA',
          seq: r.isn,
          ack: 1001,
          window: r.win ?? 65160,
          options: [
            { kind: 'mss', value: 1460 },
            { kind: 'ts', val: r.ts, ecr: 100 },
          ],
        },
        ip,
      ),
    },
    {
      dir: 'peer',
      step: 3,
      judged: true,
      bytes: frame('peer', { flags: 'A', seq: 1001, ack: (r.isn + 1) >>> 0, options: [{ kind: 'ts', val: 101, ecr: (r.ts + 1000) >>> 0 }] }, ip),
    },
    {
      dir: 'dut',
      step: 4,
      judged: true,
      tMs: 0.2,
      gapMs: 12,
      firstMs: 12,
      bytes: frame(
        'dut',
        { ...v6, flags: 'A', seq: (r.isn + 1) >>> 0, ack: 1001, window: r.win ?? 65160, options: [{ kind: 'ts', val: (r.ts + 12) >>> 0, ecr: 101 }] },
        ip,
      ),
    },
    // Outside the window: not judged, left out.
    { dir: 'dut', judged: false, bytes: frame('dut', { flags: 'R', seq: 5 }, ip) },
  ];
}

const FLOWS = [{ name: 'a', peerPort: 40000, isn: 1000 }];

describe('compare/normalise', () => {
  it('two kernels drawing different ISNs, TS offsets and IP IDs give the same fields', () => {
    const a = normaliseCase({ flows: FLOWS, packets: handshake({ isn: 0x12345678, ts: 3_000_000_000, id: 17 }) });
    const b = normaliseCase({ flows: FLOWS, packets: handshake({ isn: 0xfffffff0, ts: 42, id: 999 }) });
    assert.deepEqual(a, b);
    const sa = a.steps.find((s) => s.step === 2)!.packets[0];
    assert.equal(sa.f.seq, 'dut.isn');
    assert.equal(sa.f.ack, 'peer.isn+1');
    assert.equal(sa.f.tsval, 'dut.tsval');
    assert.equal(sa.f.tsecr, 'peer.tsval#1');
    assert.equal(sa.f.id, 'nonzero');
    const third = a.steps.find((s) => s.step === 3)!.packets[0];
    assert.equal(third.f.ack, 'dut.isn+1');
    assert.equal(third.f.tsecr, 'dut.tsval+1000', 'the peer TSecr the case wrote as dut.tsval+1000');
    const ack = a.steps.find((s) => s.step === 4)!.packets[0];
    assert.equal(ack.f.seq, 'dut.isn+1');
    assert.deepEqual(ack.n, { tsval: 12, t: 0.2, gap: 12, first: 12 });
    assert.equal(a.steps.flatMap((s) => s.packets).length, 4, 'the packet outside the window is left out');
  });

  it('IPv6 flow labels become symbols by first appearance', () => {
    const a = normaliseCase({ flows: FLOWS, packets: handshake({ isn: 1, ts: 1, id: 0, ip: 6, flow: 0xabcde }) });
    const b = normaliseCase({ flows: FLOWS, packets: handshake({ isn: 2, ts: 2, id: 0, ip: 6, flow: 0x12345 }) });
    assert.deepEqual(a, b);
    assert.equal(a.steps.find((s) => s.step === 2)!.packets[0].f.flowlabel, 'fl1');
  });

  it('a real difference stays: another window is another value', () => {
    const a = normaliseCase({ flows: FLOWS, packets: handshake({ isn: 1, ts: 1, id: 1 }) });
    const b = normaliseCase({ flows: FLOWS, packets: handshake({ isn: 1, ts: 1, id: 1, win: 64240 }) });
    assert.notDeepEqual(a, b);
    assert.equal(b.steps.find((s) => s.step === 2)!.packets[0].f.win, '64240');
  });

  it('a second DUT SYN on the flow binds dut.isn#2 and says whether it is near the old sequence space', () => {
    const syn = (seq: number): NormalisePacket => ({ dir: 'dut', step: 1, judged: true, bytes: frame('dut', { flags: 'S', seq }) });
    const c = normaliseCase({ flows: FLOWS, ephemeralDutPort: true, packets: [syn(5000), syn(5000 + 70000), syn(0x80000000)] });
    const p = c.steps[0].packets;
    assert.deepEqual(
      p.map((x) => [x.f.isn, x.f.seq, x.f.dutPort]),
      [
        ['bound', 'dut.isn', 'dut.port'],
        ['near dut.nxt', 'dut.isn#2', 'dut.port'],
        ['fresh', 'dut.isn#3', 'dut.port'],
      ],
    );
  });
});
