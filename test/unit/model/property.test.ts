// Property test: seeded random segments against four scenarios (fresh listener, listener with a pending
// req, SYN_SENT socket, closed port), random sysctl profiles, v4 and v6. The model never throws, every
// response re-encodes with the codec into a packet that decodes back to the same PacketJson, and every
// reason's rule is in RULES.
import { expect } from 'chai';
import { buildIp, PacketSpec } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { toPacketJson } from '../../../lib/wire/summary';
import { optionFromJson } from '../../../lib/wire/tcp-options';
import type { Ipv4Json, Ipv6Json, PacketJson, TcpOption } from '../../../lib/wire/types';
import { apply, initialState, isRule, makeEnv } from '../../../lib/model';
import type { ModelEnv, ModelState, Prediction } from '../../../lib/model';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomOptions(r: () => number): TcpOption[] {
  const n = Math.floor(r() * 6);
  const out: TcpOption[] = [];
  const int = (m: number) => Math.floor(r() * m);
  for (let i = 0; i < n; i++) {
    switch (int(12)) {
      case 0:
        out.push({ kind: 'mss', value: int(65536) });
        break;
      case 1:
        out.push({ kind: 'wscale', shift: int(20) });
        break;
      case 2:
        out.push({ kind: 'sackOK' });
        break;
      case 3:
        out.push({ kind: 'ts', val: int(2 ** 32), ecr: r() < 0.5 ? 0 : int(2 ** 32) });
        break;
      case 4:
        out.push({ kind: 'nop' });
        break;
      case 5:
        out.push({ kind: 'tfo', cookie: new Uint8Array(int(3) === 0 ? 0 : int(18)), exp: r() < 0.3 });
        break;
      case 6:
        out.push({ kind: 'unknown', type: int(256), data: new Uint8Array(int(6)) });
        break;
      case 7:
        out.push({ kind: 'md5', digest: new Uint8Array(16) });
        break;
      case 8:
        out.push({ kind: 'eol' });
        break;
      case 9:
        out.push({ kind: 'bytes', bytes: Uint8Array.from([2 + int(10), int(3)]) });
        break; // silly length
      case 10:
        out.push({ kind: 'bytes', bytes: Uint8Array.from([8, 10, 1, 2]) });
        break; // truncated TS
      default:
        out.push({ kind: 'unknown', type: [2, 3, 4, 8][int(4)], data: new Uint8Array(int(9)) }); // wrong length
    }
  }
  let len = 0;
  for (const o of out)
    len +=
      o.kind === 'eol' || o.kind === 'nop'
        ? 1
        : o.kind === 'bytes'
          ? o.bytes.length
          : o.kind === 'mss'
            ? 4
            : o.kind === 'wscale'
              ? 3
              : o.kind === 'sackOK'
                ? 2
                : o.kind === 'ts'
                  ? 10
                  : o.kind === 'tfo'
                    ? o.cookie.length + (o.exp ? 4 : 2)
                    : o.kind === 'md5'
                      ? 18
                      : o.kind === 'unknown'
                        ? o.data.length + 2
                        : 0;
  return len <= 40 ? out : [];
}

const FLAG_PICKS = [0x002, 0x010, 0x012, 0x004, 0x014, 0x001, 0x011, 0x003, 0x006, 0x000, 0x008, 0x0c2, 0x1c2, 0x202, 0x018, 0x019];

function randomEnv(r: () => number, ip: 4 | 6): ModelEnv {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  return makeEnv({
    ip,
    release: pick(['6.18', '6.1', '6.12']),
    dut: ip === 4 ? '10.0.0.1' : 'fd00::1',
    peer: ip === 4 ? '10.0.0.2' : 'fd00::2',
    mtu: pick([1500, 1280, 9000, 65536]),
    sysctls: {
      tcp_syncookies: pick([0, 1, 2]),
      tcp_timestamps: pick([0, 1, 2]),
      tcp_sack: pick([0, 1]),
      tcp_window_scaling: pick([0, 1]),
      tcp_ecn: pick([0, 1, 2]),
      tcp_fastopen: pick([1, 3, 0x203, 0x403]),
      tcp_reflect_tos: pick([0, 1]),
      tcp_abort_on_overflow: pick([0, 1]),
      tcp_workaround_signed_windows: pick([0, 1]),
      tcp_synack_retries: pick([1, 5]),
    },
  });
}

/** A concrete value for every '*' so the codec can build the packet. */
function concretise(p: Prediction): PacketJson {
  const j = JSON.parse(JSON.stringify(p.packet)) as PacketJson;
  const val = (field: string): number => {
    const e = p.expect[field];
    if (e === undefined || typeof e === 'number') return typeof e === 'number' ? e : 1;
    if ('even' in e) return e.range ? e.range[0] + (e.range[0] % 2) : 40000;
    if ('range' in e) return e.range[0];
    if ('tsval' in e) return e.tsval.approxMs >>> 0;
    return 12345;
  };
  const ip = j.ip as unknown as Record<string, unknown>;
  for (const k of Object.keys(ip)) if (ip[k] === '*') ip[k] = val('ip.' + k);
  const t = j.tcp as unknown as Record<string, unknown>;
  for (const k of ['sport', 'seq', 'ack', 'window']) if (t[k] === '*') t[k] = val('tcp.' + k);
  j.tcp.options = j.tcp.options.map((o) => {
    if (o[0] === 'ts') return ['ts', o[1] === '*' ? val('opt.ts.val') : o[1], o[2] === '*' ? val('opt.ts.ecr') : o[2]];
    if (o[0] === 'tfo' && o[1] === '*') return o.length === 3 ? ['tfo', '0011223344556677', 'exp'] : ['tfo', '0011223344556677'];
    if (o[0] === 'md5' && o[1] === '*') return ['md5', '00112233445566778899aabbccddeeff'];
    return o;
  });
  return j;
}

function rebuild(e: ModelEnv, j: PacketJson): PacketJson | undefined {
  const t = j.tcp;
  const spec: PacketSpec = {
    ip: e.ip,
    src: e.dut,
    dst: e.peer,
    sport: t.sport,
    dport: t.dport,
    seq: t.seq as number,
    ack: t.ack as number,
    flags: t.flags,
    window: t.window as number,
    urg: t.urg,
    options: t.options.map(optionFromJson),
    payload: t.len ? new Uint8Array(t.len) : undefined,
  };
  if (e.ip === 4) {
    const i = j.ip as Ipv4Json;
    Object.assign(spec, { ttl: i.ttl, tos: i.tos, df: i.df, id: i.id });
  } else {
    const i = j.ip as Ipv6Json;
    Object.assign(spec, { hlim: i.hlim, tclass: i.tclass, flow: i.flow });
  }
  return toPacketJson(decodeIp(buildIp(spec)));
}

describe('model property: random segments never break the model', () => {
  const SEEDS = 4;
  const PER = 600;
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: ${PER} segments × {listener, pending req, SYN_SENT, closed port}`, () => {
      const r = rng(seed * 7919);
      let checked = 0;
      for (let i = 0; i < PER; i++) {
        const ip: 4 | 6 = r() < 0.5 ? 4 : 6;
        const e = randomEnv(r, ip);
        const scenario = Math.floor(r() * 4);
        let s: ModelState = initialState(e);
        const steps: Array<ReturnType<typeof apply>> = [];
        const step = (ev: Parameters<typeof apply>[2], now: number) => {
          const x = apply(e, s, ev, now);
          steps.push(x);
          s = x.state;
          return x;
        };
        if (scenario <= 1) step({ type: 'listen', port: 80, backlog: Math.floor(r() * 4), opts: r() < 0.3 ? { fastopen: 4, deferAccept: 3 } : {} }, 0);
        if (scenario === 1)
          step(
            {
              type: 'segment',
              seg: decodeIp(
                buildIp({ ip, src: e.peer, dst: e.dut, sport: 40000, dport: 80, seq: 1000, flags: 'S', options: [{ kind: 'ts', val: 5, ecr: 0 }] }),
              ),
            },
            10,
          );
        if (scenario === 2) step({ type: 'connect', dport: 40000, sport: 80 }, 0);
        const flags = r() < 0.7 ? FLAG_PICKS[Math.floor(r() * FLAG_PICKS.length)] : Math.floor(r() * 0x1000);
        const mist = r();
        const spec: PacketSpec = {
          ip,
          src: e.peer,
          dst: r() < 0.05 ? (ip === 4 ? '10.0.0.255' : 'ff02::1') : e.dut,
          sport: r() < 0.8 ? 40000 : Math.floor(r() * 65536),
          dport: 80,
          seq: r() < 0.5 ? 1000 + Math.floor(r() * 3) : Math.floor(r() * 2 ** 32),
          ack: r() < 0.5 ? Math.floor(r() * 2 ** 32) : 1001,
          flags: flags & 0x1ff,
          window: Math.floor(r() * 65536),
          tos: Math.floor(r() * 256),
          tclass: Math.floor(r() * 256),
          options: randomOptions(r),
          payload: r() < 0.2 ? new Uint8Array(Math.floor(r() * 20)) : undefined,
          mistakes:
            mist < 0.05
              ? { tcpChecksum: 'bad' }
              : mist < 0.1
                ? { dataOffset: Math.floor(r() * 16) }
                : mist < 0.15
                  ? { reservedBits: (flags >> 9) & 7 }
                  : undefined,
        };
        let bytes: Uint8Array;
        try {
          bytes = buildIp(spec);
        } catch {
          continue;
        }
        if (r() < 0.03) bytes = bytes.subarray(0, Math.floor(r() * bytes.length));
        step({ type: 'segment', seg: decodeIp(bytes) }, 100 + Math.floor(r() * 5000));
        step({ type: 'tick' }, 70000);
        for (const x of steps) {
          for (const why of x.reasons) {
            expect(isRule(why.rule), why.rule).to.equal(true);
            expect(why.rule === 'event.bad' ? why.text : '').to.equal('');
            expect(why.text).to.be.a('string');
          }
          for (const p of x.responses) {
            const conc = concretise(p);
            const back = rebuild(e, conc);
            expect(back, JSON.stringify(conc)).to.deep.equal(conc);
            checked++;
          }
        }
      }
      expect(checked).to.be.greaterThan(50);
    });
  }
});
