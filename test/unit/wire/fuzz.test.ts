// Decoding must never throw, and whatever it returns must re-emit to the input byte for byte.
// Seeded: set WIRE_FUZZ_SEED to replay a run (the seed is printed).
import { expect } from 'chai';
import { bytesEqual, toHex } from '../../../lib/wire/bytes';
import { buildFrame, buildIp, PacketSpec } from '../../../lib/wire/build';
import { decodeEthernet, decodeIp, emitDecoded } from '../../../lib/wire/decode';
import { formatPacket, toPacketJson } from '../../../lib/wire/summary';
import { emitTcp, TcpView } from '../../../lib/wire/tcp';
import { parseOptionSpec } from '../../../lib/wire/tcp-options';
import { Decoded, TcpOption } from '../../../lib/wire/types';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 2^32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const PER_ENTRY = 100_000; // frames through decodeIp, and as many through decodeEthernet

const OPTION_POOL: TcpOption[][] = [
  [],
  parseOptionSpec('mss=1460'),
  parseOptionSpec('mss=1460,sackOK,ts=1:0,nop,wscale=7'),
  parseOptionSpec('mss=1460,nop,nop,ts=99:5,nop,wscale=14,tfo'),
  parseOptionSpec('tfo=0011223344556677,nop,nop,sack=1:2/3:4'),
  parseOptionSpec('tfoexp=00112233,md5=00112233445566778899aabbccddeeff'),
  parseOptionSpec('kind=99:abcd,raw=0801,mss=5'),
  parseOptionSpec('eol,raw=0303'),
  parseOptionSpec('sack=1:2/3:4/5:6/7:8'),
];

describe('wire fuzz: decoding never throws and always re-emits exactly', function () {
  this.timeout(120_000);
  const seed = process.env.WIRE_FUZZ_SEED !== undefined ? Number(process.env.WIRE_FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  const rnd = mulberry32(seed);
  const below = (n: number) => rnd() % n;
  const chance = (p: number) => rnd() / 2 ** 32 < p;
  const randomBytes = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = rnd() & 0xff;
    return b;
  };
  before(() => console.log(`      wire fuzz seed: ${seed} (replay with WIRE_FUZZ_SEED=${seed})`));

  function validSpec(): PacketSpec {
    const v6 = chance(0.35);
    return {
      ip: v6 ? 6 : 4,
      src: v6 ? '2001:db8::2' : '198.18.0.2',
      dst: v6 ? 'fe80::1:2' : '198.18.0.1',
      sport: below(65536),
      dport: below(65536),
      seq: rnd(),
      ack: rnd(),
      flags: below(0x1000),
      window: below(65536),
      urg: chance(0.1) ? below(65536) : 0,
      id: below(65536),
      ttl: below(256),
      ipOptions: !v6 && chance(0.1) ? randomBytes(below(41)) : undefined,
      options: OPTION_POOL[below(OPTION_POOL.length)],
      payload: chance(0.3) ? randomBytes(below(64)) : undefined,
    };
  }

  /** A valid SYN from the builder, then one or more mutations. `l3` = offset of the IP header. */
  function mutated(frame: boolean): Uint8Array {
    const spec = validSpec();
    let b = frame ? buildFrame(spec, '02:00:00:00:00:01', '02:00:00:00:00:02') : buildIp(spec);
    const l3 = frame ? 14 : 0;
    const l4 = l3 + (spec.ip === 4 ? (b[l3] & 0x0f) * 4 : 40);
    const rounds = 1 + below(3);
    for (let r = 0; r < rounds; r++) {
      switch (below(9)) {
        case 0: {
          // byte flips
          const n = 1 + below(4);
          for (let k = 0; k < n; k++) b[below(b.length)] ^= 1 << below(8);
          break;
        }
        case 1: // truncation
          b = b.subarray(0, below(b.length + 1));
          break;
        case 2: // random data offset
          if (l4 + 12 < b.length) b[l4 + 12] = (below(16) << 4) | (b[l4 + 12] & 0x0f);
          break;
        case 3: // random ihl / version nibble
          if (l3 < b.length) b[l3] = chance(0.8) ? (b[l3] & 0xf0) | below(16) : rnd() & 0xff;
          break;
        case 4: // random total length / payload length
          if (l3 + 5 < b.length) {
            const at = spec.ip === 4 ? l3 + 2 : l3 + 4;
            b[at] = chance(0.5) ? 0 : rnd() & 0xff;
            b[at + 1] = rnd() & 0xff;
          }
          break;
        case 5: // scribble over the option area
          for (let i = l4 + 20; i < Math.min(b.length, l4 + 60); i++) if (chance(0.3)) b[i] = chance(0.5) ? below(12) : rnd() & 0xff;
          break;
        case 6: {
          // trailing garbage
          const t = randomBytes(below(40));
          const nb = new Uint8Array(b.length + t.length);
          nb.set(b);
          nb.set(t, b.length);
          b = nb;
          break;
        }
        case 7: // protocol / next header / ethertype
          if (chance(0.5) && l3 + 9 < b.length) b[spec.ip === 4 ? l3 + 9 : l3 + 6] = chance(0.5) ? 6 : rnd() & 0xff;
          else if (frame) b[12] = rnd() & 0xff;
          break;
        case 8: // fragment fields
          if (spec.ip === 4 && l3 + 7 < b.length) {
            b[l3 + 6] = rnd() & 0xff;
            b[l3 + 7] = chance(0.5) ? 0 : rnd() & 0xff;
          }
          break;
      }
    }
    return b;
  }

  function randomInput(frame: boolean): Uint8Array {
    const b = randomBytes(below(frame ? 140 : 120));
    if (b.length > 0 && chance(0.5)) {
      const at = frame ? 14 : 0;
      if (frame && b.length > 13) {
        b[12] = chance(0.5) ? 0x08 : 0x86;
        b[13] = b[12] === 0x08 ? 0x00 : 0xdd;
      }
      if (at < b.length) b[at] = ((chance(0.5) ? 4 : 6) << 4) | (b[at] & 0x0f);
    }
    return b;
  }

  function check(b: Uint8Array, frame: boolean, stats: { tcp: number; notes: number }): void {
    let d: Decoded;
    try {
      d = frame ? decodeEthernet(b) : decodeIp(b);
    } catch (e) {
      throw new Error(`seed ${seed}: ${frame ? 'decodeEthernet' : 'decodeIp'} threw on ${toHex(b)}: ${(e as Error).stack}`);
    }
    const again = emitDecoded(d);
    if (!bytesEqual(again, b)) {
      throw new Error(`seed ${seed}: re-emission differs\n in:  ${toHex(b)}\n out: ${toHex(again)}\n notes: ${JSON.stringify(d.notes)}`);
    }
    if (d.tcp) {
      stats.tcp++;
      // The TCP layer alone re-emits to the bytes it came from.
      const ipLen = d.ip!.version === 4 ? 20 + d.ip!.options.length : 40;
      const start = (d.eth ? 14 : 0) + ipLen;
      const seg = emitTcp(d.tcp);
      if (!bytesEqual(seg, b.subarray(start, start + seg.length))) throw new Error(`seed ${seed}: TCP re-emission differs for ${toHex(b)}`);
      const v = new TcpView(b, start, b.length - start);
      expect(v.seq).to.equal(d.tcp.seq);
      expect(v.flags).to.equal(d.tcp.flags);
    }
    if (d.notes.length) stats.notes++;
    toPacketJson(d);
    formatPacket(d);
  }

  for (const frame of [false, true]) {
    const entry = frame ? 'decodeEthernet' : 'decodeIp';
    it(`${PER_ENTRY} random and mutated inputs through ${entry}`, () => {
      const stats = { tcp: 0, notes: 0 };
      for (let i = 0; i < PER_ENTRY; i++) check(chance(0.25) ? randomInput(frame) : mutated(frame), frame, stats);
      console.log(`      ${entry}: ${PER_ENTRY} inputs, ${stats.tcp} with TCP parsed, ${stats.notes} with notes`);
      // The mutations must keep a good share of inputs deep enough to exercise the TCP parser.
      expect(stats.tcp).to.be.greaterThan(PER_ENTRY * 0.3);
      expect(stats.notes).to.be.greaterThan(PER_ENTRY * 0.3);
    });
  }

  it('View getters over random bytes never throw', () => {
    for (let i = 0; i < 20_000; i++) {
      const b = randomBytes(below(80));
      const v = new TcpView(b, below(40), below(100));
      void (v.sport + v.dport + v.seq + v.ack + v.flags + v.window + v.checksum + v.urg + v.dataOffset);
      v.optionsBytes();
      v.payload();
    }
  });
});
