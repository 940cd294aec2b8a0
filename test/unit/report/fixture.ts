// Shared fixtures for the report tests: hand-built frames and a RunResult with every status and
// awkward names.
import type { CapturedPacket, CaseResult, RunResult } from '../../../harness/report/types';

export interface TcpSpec {
  v6?: boolean;
  flags: number;
  seq: number;
  ack?: number;
  win?: number;
  options?: number[];
  payload?: number;
}

/** Ethernet + IPv4/IPv6 + TCP frame (checksums left zero: only structure matters here). */
export function tcpFrame(s: TcpSpec): Uint8Array {
  const opts = s.options ?? [];
  const optLen = (opts.length + 3) & ~3;
  const tcpLen = 20 + optLen + (s.payload ?? 0);
  const ipLen = s.v6 ? 40 : 20;
  const f = new Uint8Array(14 + ipLen + tcpLen);
  const dv = new DataView(f.buffer);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  dv.setUint16(12, s.v6 ? 0x86dd : 0x0800);
  let o = 14;
  if (s.v6) {
    f[o] = 0x60;
    dv.setUint16(o + 4, tcpLen);
    f[o + 6] = 6;
    f[o + 7] = 64;
    f.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], o + 8);
    f.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], o + 24);
  } else {
    f[o] = 0x45;
    dv.setUint16(o + 2, 20 + tcpLen);
    f[o + 8] = 64;
    f[o + 9] = 6;
    f.set([198, 18, 0, 1], o + 12);
    f.set([198, 18, 0, 2], o + 16);
  }
  o += ipLen;
  dv.setUint16(o, 40000);
  dv.setUint16(o + 2, 80);
  dv.setUint32(o + 4, s.seq >>> 0);
  dv.setUint32(o + 8, (s.ack ?? 0) >>> 0);
  f[o + 12] = (((20 + optLen) / 4) << 4) | ((s.flags >> 8) & 0x0f);
  f[o + 13] = s.flags & 0xff;
  dv.setUint16(o + 14, s.win ?? 64240);
  f.set(opts, o + 20);
  return f;
}

export const S = 0x002;
export const A = 0x010;
export const R = 0x004;
export const MSS_1460 = [2, 4, 0x05, 0xb4];
export const WS_7 = [1, 3, 3, 7];

const BASE_NS = 1_795_000_000_123_456_789n;

function pkt(offsetNs: bigint, dir: CapturedPacket['dir'], bytes: Uint8Array, comment: string): CapturedPacket {
  return { tsNs: BASE_NS + offsetNs, dir, bytes, comment };
}

function baseCase(over: Partial<CaseResult> & Pick<CaseResult, 'file' | 'name' | 'status'>): CaseResult {
  const ip = over.ip ?? 4;
  return {
    id: `${over.file}#${over.name}@ipv${ip}`,
    spec: ['RFC 9293 §3.10.7.2'],
    ip,
    durationMs: 12.5,
    steps: [],
    packets: [],
    unexpected: 0,
    kernel: '6.18.44-fc-v657',
    sysctls: { 'net.ipv4.tcp_syncookies': '1', 'net.ipv4.tcp_timestamps': '1' },
    modelProfile: 'linux-6.18',
    seed: 42,
    captureDrops: 0,
    ...over,
  };
}

export const AWKWARD = 'weird <&>"\' #3 naïve ✓ \u0001ctl\u001b[0m\ttab';

export function fixtureRun(): RunResult {
  const pass = baseCase({
    file: 'cases/basic/syn.yaml',
    name: 'plain SYN gets SYN-ACK',
    status: 'pass',
    steps: [
      { index: 0, kind: 'send', ok: true },
      { index: 1, kind: 'expect', ok: true },
    ],
    packets: [
      pkt(0n, 'sent', tcpFrame({ flags: S, seq: 1000, options: [...MSS_1460, ...WS_7] }), 'step 0 send SYN'),
      pkt(211_000n, 'received', tcpFrame({ flags: S | A, seq: 77, ack: 1001, win: 65160, options: MSS_1460 }), 'matched step 1 expect SA'),
    ],
  });
  const fail = baseCase({
    file: 'cases/basic/syn.yaml',
    name: AWKWARD,
    ip: 6,
    status: 'fail',
    message: 'step 1: SYN-ACK differs in 2 fields ]]> <not a tag>',
    unexpected: 1,
    captureDrops: 1,
    steps: [
      { index: 0, kind: 'send', ok: true },
      {
        index: 1,
        kind: 'expect',
        ok: false,
        message: 'SYN-ACK differs',
        diffs: [
          { field: 'tcp.flags', expected: 'SA', observed: 'RA', reason: 'listener present' },
          { field: 'tcp.ack', expected: '1001', observed: '0' },
        ],
        reasons: ['tcp_conn_request: queue not full → SYN-ACK', 'naïve check: ✓ <ok> & "fine"'],
      },
      { index: 2, kind: 'expect', ok: false, message: 'no ACK of our data within 200 ms' },
    ],
    packets: [
      pkt(0n, 'sent', tcpFrame({ v6: true, flags: S, seq: 5000 }), 'step 0 send SYN'),
      pkt(390_000n, 'received', tcpFrame({ v6: true, flags: R | A, seq: 0, ack: 5001, win: 0 }), 'matched step 1 expect SA'),
      pkt(1_500_000n, 'received', tcpFrame({ v6: true, flags: R, seq: 1 }), 'UNEXPECTED: after step 1 ]]> \r\n'),
    ],
  });
  const error = baseCase({
    file: 'cases/cookies/overflow.yaml',
    name: 'cookie overflow',
    status: 'error',
    message: 'agent died: ECONNRESET \u0000 nul',
    steps: [{ index: 0, kind: 'sysctl', ok: false, message: 'write net.ipv4.tcp_max_syn_backlog: EACCES' }],
  });
  const skip = baseCase({
    file: 'cases/cookies/overflow.yaml',
    name: 'needs CONFIG_TCP_AO',
    status: 'skip',
    message: 'kernel lacks TCP-AO # not built\nsecond line',
    sysctls: { 'net.ipv4.tcp_syncookies': '2' },
  });
  const top = baseCase({ file: 'toplevel.yaml', name: 'hash # in name', status: 'pass', durationMs: 3 });
  return {
    runId: '20261121T193700Z-6.18.44-fc-v657',
    startedAt: '2026-11-21T19:37:00.000Z',
    kernel: '6.18.44-fc-v657',
    host: 'ci-runner-3',
    jobs: 4,
    seed: 42,
    durationMs: 1234,
    cases: [pass, fail, error, skip, top],
  };
}
