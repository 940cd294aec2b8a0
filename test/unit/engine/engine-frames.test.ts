// The bulk engine's own frames, written in place: the clean-up RST and the sentinel decode as the
// packets they stand for (checksums included), and flow keys name the right flow.
import { expect } from 'chai';
import { isSynAck, probeKey, replyKey, writeCleanupRst, writeSentinel } from '../../../harness/engine/engine-frames';
import { Prng } from '../../../lib/util/prng';
import { buildFrame, buildIp } from '../../../lib/wire/build';
import { buildIcmp, quotePacket } from '../../../lib/wire/build-icmp';
import { decodeEthernet } from '../../../lib/wire/decode';

const T = '02:00:00:00:00:02';
const D = '02:00:00:00:00:01';
const ENDS = { 4: { peer: '198.18.0.2', dut: '198.18.0.1' }, 6: { peer: '2001:2::2', dut: '2001:2::1' } };

describe('bulk engine frames', () => {
  it('the clean-up RST: same flow, seq = SYN seq + 1, no options, valid checksums (IPv4 with IP options too)', () => {
    const rng = new Prng(5);
    for (let i = 0; i < 500; i++) {
      const ip = i % 2 ? 6 : 4;
      const seq = rng.u32();
      const syn = buildFrame(
        {
          ip,
          src: ENDS[ip].peer,
          dst: ENDS[ip].dut,
          sport: rng.int(1, 65534),
          dport: 8080,
          flags: 'S',
          seq,
          ttl: 64,
          hlim: 64,
          tos: rng.int(0, 255),
          tclass: rng.int(0, 255),
          flow: rng.int(0, 0xfffff),
          ipOptions: ip === 4 && rng.chance(0.2) ? Uint8Array.of(1, 1, 1, 0) : undefined,
          options: [
            { kind: 'mss', value: 1460 },
            { kind: 'ts', val: rng.u32(), ecr: 0 },
          ],
          payload: rng.bytes(rng.int(0, 5)),
        },
        T,
        D,
      );
      const at = rng.int(0, 40);
      const out = new Uint8Array(at + 200);
      const len = writeCleanupRst(syn, 0, out, at);
      const s = decodeEthernet(syn);
      const d = decodeEthernet(out.subarray(at, at + len));
      expect(d.notes, JSON.stringify(d.notes)).to.deep.equal([]);
      expect(d.tcpChecksumOk).to.equal(true);
      if (ip === 4) expect(d.ipChecksumOk).to.equal(true);
      expect(d.eth).to.deep.equal(s.eth);
      expect(d.ip!.src).to.equal(s.ip!.src);
      expect(d.ip!.dst).to.equal(s.ip!.dst);
      expect(d.tcp!.sport).to.equal(s.tcp!.sport);
      expect(d.tcp!.dport).to.equal(s.tcp!.dport);
      expect(d.tcp!.seq).to.equal((seq + 1) >>> 0);
      expect(d.tcp!.flags).to.equal(0x004);
      expect(d.tcp!.options).to.deep.equal([]);
      expect(d.tcp!.payload.length).to.equal(0);
      expect(probeKey(syn, 0)).to.equal(probeKey(out, at));
    }
  });

  it('the sentinel: any sequence number, checksum still right', () => {
    for (const ip of [4, 6] as const) {
      const tpl = buildFrame({ ip, src: ENDS[ip].peer, dst: ENDS[ip].dut, sport: 65535, dport: 9, flags: 'S', seq: 0, window: 0 }, T, D);
      for (const seq of [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x1234abcd]) {
        const out = new Uint8Array(tpl.length + 3);
        const len = writeSentinel(tpl, seq, out, 3);
        const d = decodeEthernet(out.subarray(3, 3 + len));
        expect(d.tcp!.seq).to.equal(seq);
        expect(d.tcpChecksumOk, `IPv${ip} seq ${seq}`).to.equal(true);
        expect(out.subarray(3, 3 + len)).to.deep.equal(
          buildFrame({ ip, src: ENDS[ip].peer, dst: ENDS[ip].dut, sport: 65535, dport: 9, flags: 'S', seq, window: 0 }, T, D),
        );
      }
    }
  });

  it('flow keys: a probe and the DUT answer on its flow share one; families never collide', () => {
    for (const ip of [4, 6] as const) {
      const probe = buildFrame({ ip, src: ENDS[ip].peer, dst: ENDS[ip].dut, sport: 40000, dport: 8080, flags: 'S' }, T, D);
      const answer = buildFrame({ ip, src: ENDS[ip].dut, dst: ENDS[ip].peer, sport: 8080, dport: 40000, flags: 'SA' }, D, T);
      expect(replyKey(answer, 0)).to.equal(probeKey(probe, 0));
      expect(isSynAck(answer, 0)).to.equal(true);
      expect(isSynAck(probe, 0)).to.equal(false);
    }
    const k4 = probeKey(buildFrame({ ip: 4, src: ENDS[4].peer, dst: ENDS[4].dut, sport: 40000, dport: 8080 }, T, D), 0);
    const k6 = probeKey(buildFrame({ ip: 6, src: ENDS[6].peer, dst: ENDS[6].dut, sport: 40000, dport: 8080 }, T, D), 0);
    expect(k4).to.not.equal(k6);
  });

  it("an ICMP error's key is the flow it quotes (the DUT's segment to the peer's port), so its answers land on that flow", () => {
    for (const ip of [4, 6] as const) {
      const probe = buildFrame({ ip, src: ENDS[ip].peer, dst: ENDS[ip].dut, sport: 40000, dport: 8080, flags: 'S' }, T, D);
      const dutSeg = buildIp({ ip, src: ENDS[ip].dut, dst: ENDS[ip].peer, sport: 8080, dport: 40000, flags: 'SA', seq: 7, ack: 1 });
      const icmp = buildIcmp({ ip, src: ENDS[ip].peer, dst: ENDS[ip].dut, type: ip === 4 ? 3 : 1, code: ip === 4 ? 1 : 3, quote: quotePacket(dutSeg) });
      const frame = new Uint8Array(14 + icmp.length);
      frame.set(probe.subarray(0, 14));
      frame.set(icmp, 14);
      expect(probeKey(frame, 0), `IPv${ip}`).to.equal(probeKey(probe, 0));
    }
  });
});
