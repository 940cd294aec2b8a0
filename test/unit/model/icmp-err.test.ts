// §3.6 ICMP errors about the DUT's segments (tcp_v4_err / tcp_v6_err): request sockets (tcp_req_err),
// the quoted seq window, path MTU and the SYN-data retransmission, hard errors in SYN_SENT.
import { expect } from 'chai';
import { apply, initialState } from '../../../lib/model';
import type { ModelEnv, ModelState, StepResult } from '../../../lib/model';
import { buildIcmp, quotePacket } from '../../../lib/wire/build-icmp';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { env, listening, only, rules, run, seg } from './helpers';

const ISN = 5000;

/** An ICMP error from the peer about the DUT's segment lport → 40000 with this seq. */
function icmp(
  e: ModelEnv,
  s: ModelState,
  type: number,
  code: number,
  seq: number,
  o: { mtu?: number; lport?: number; pport?: number; now?: number } = {},
): StepResult {
  const quoted = buildIp({ ip: e.ip, src: e.dut, dst: e.peer, sport: o.lport ?? 80, dport: o.pport ?? 40000, seq, flags: 'SA', payload: new Uint8Array(0) });
  const bytes = buildIcmp({ ip: e.ip, src: e.peer, dst: e.dut, type, code, ...(o.mtu !== undefined ? { mtu: o.mtu } : {}), quote: quotePacket(quoted) });
  return apply(e, s, { type: 'segment', seg: decodeIp(bytes) }, o.now ?? 1100);
}

function withReq(e: ModelEnv): ModelState {
  return seg(e, listening(e), { flags: 'S', options: [{ kind: 'mss', value: 1460 }] }).state;
}

describe('model §3.6 ICMP errors', () => {
  it('request socket: another seq counts OutOfWindowIcmps; port unreachable leaves it; host unreachable drops it silently', () => {
    const e = env({ fixed: { isn: ISN } });
    const s = withReq(e);
    expect(s.reqs.size).to.equal(1);
    const oow = icmp(e, s, 3, 1, ISN + 5000);
    expect(oow.counters).to.deep.include({ TcpExtOutOfWindowIcmps: 1 });
    expect(oow.state.reqs.size).to.equal(1);
    expect(rules(oow)).to.include('icmp.req-seq');
    const port = icmp(e, s, 3, 3, ISN);
    expect(port.state.reqs.size).to.equal(1);
    expect(rules(port)).to.include('icmp.req-keep');
    const host = icmp(e, s, 3, 1, ISN);
    expect(host.state.reqs.size).to.equal(0);
    expect(host.state.listeners.get(80)?.qlen).to.equal(0);
    expect(host.counters).to.deep.include({ TcpExtListenDrops: 1 });
    expect(host.responses).to.deep.equal([]);
    // the third ACK now meets only the listener: RST (seq = SEG.ACK)
    const ack = seg(e, host.state, { flags: 'A', seq: 1001, ack: ISN + 1 }, 1200);
    expect(only(ack).tcp.flags).to.equal('R');
  });

  it('ICMPv6: no route (code 0) is not fatal for a request (C30); port unreachable and parameter problem are', () => {
    const e = env({ ip: 6, fixed: { isn: ISN } });
    const s = withReq(e);
    expect(icmp(e, s, 1, 0, ISN).state.reqs.size).to.equal(1);
    expect(icmp(e, s, 1, 4, ISN).state.reqs.size).to.equal(0);
    expect(icmp(e, s, 4, 0, ISN).state.reqs.size).to.equal(0);
    expect(icmp(e, s, 3, 0, ISN).state.reqs.size).to.equal(1);
  });

  it('SYN_SENT with SYN data: frag_needed within the window sends the SYN again at once, no data, MSS from the MTU; the timer restarts', () => {
    const e = env({ sysctls: { tcp_fastopen: 0x5, tcp_timestamps: 0 }, fixed: { isn: ISN } });
    const syn = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000, fastopen: { len: 1000 } }, 0);
    expect(only(syn).tcp.len).to.equal(1000);
    const out = icmp(e, syn.state, 3, 4, ISN + 1002, { mtu: 800, lport: 50000, pport: 9000, now: 10 });
    expect(out.counters).to.deep.include({ TcpExtOutOfWindowIcmps: 1 });
    const r = icmp(e, syn.state, 3, 4, ISN, { mtu: 800, lport: 50000, pport: 9000, now: 10 });
    const p = only(r);
    expect(p.tcp.flags).to.equal('S');
    expect(p.tcp.len ?? 0).to.equal(0);
    expect(p.tcp.options[0]).to.deep.equal(['mss', 760]);
    expect(rules(r)).to.include.members(['icmp.pmtu', 'icmp.syn-data-retransmit']);
    expect(r.timers.find((t) => t.what === 'syn-rtx')?.atMs).to.equal(1010);
    // a second, larger MTU changes nothing
    expect(icmp(e, r.state, 3, 4, ISN, { mtu: 1000, lport: 50000, pport: 9000, now: 20 }).responses).to.deep.equal([]);
    // below min_pmtu: raised to 552 (MSS 512)
    const low = icmp(e, syn.state, 3, 4, ISN, { mtu: 300, lport: 50000, pport: 9000, now: 10 });
    expect(only(low).tcp.options[0]).to.deep.equal(['mss', 512]);
  });

  it('SYN_SENT without data: frag_needed only lowers the MSS of the next SYN; host unreachable ends the connection', () => {
    const e = env({ sysctls: { tcp_timestamps: 0 }, fixed: { isn: ISN } });
    const syn = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0);
    const frag = icmp(e, syn.state, 3, 4, ISN, { mtu: 900, lport: 50000, pport: 9000, now: 10 });
    expect(frag.responses).to.deep.equal([]);
    const rtx = run(e, frag.state, { type: 'tick' }, 1100);
    expect(only(rtx).tcp.options[0]).to.deep.equal(['mss', 860]);
    const dead = icmp(e, syn.state, 3, 1, ISN, { lport: 50000, pport: 9000, now: 10 });
    expect(dead.state.socks.size).to.equal(0);
    expect(dead.counters).to.deep.include({ TcpAttemptFails: 1 });
    expect(rules(dead)).to.include('icmp.abort');
    expect(run(e, dead.state, { type: 'tick' }, 1100).responses).to.deep.equal([]);
  });

  it('no connection for the quoted 4-tuple, a bad checksum, a non-error type: ignored', () => {
    const e = env({ fixed: { isn: ISN } });
    const s = withReq(e);
    expect(rules(icmp(e, s, 3, 1, ISN, { pport: 40001 }))).to.include('icmp.no-socket');
    expect(rules(icmp(e, s, 8, 0, ISN))).to.include('icmp.not-tcp');
    const bad = buildIcmp({ ip: 4, src: e.peer, dst: e.dut, type: 3, code: 1, quote: new Uint8Array(28), mistakes: { icmpChecksum: 'bad' } });
    const r = apply(e, s, { type: 'segment', seg: decodeIp(bad) }, 1100);
    expect(rules(r)).to.include('icmp.bad-csum');
    expect(r.state.reqs.size).to.equal(1);
  });
});

describe('model §3.6 ICMP errors: a Fast Open child', () => {
  const cookie = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const e = env({ sysctls: { tcp_fastopen: 3 }, fixed: { tfoKeyCookie: () => cookie, isn: ISN } });
  const child = (): ModelState => seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [{ kind: 'tfo', cookie }], payload: new Uint8Array(10) }).state;

  it('not accepted: an out-of-window quote is counted; host unreachable at its ISN closes it (AttemptFails), the next ACK meets the listener', () => {
    const s = child();
    expect([...s.socks.values()].map((x) => x.state)).to.deep.equal(['SYN_RECV']);
    const oow = icmp(e, s, 3, 1, ISN + 5000);
    expect(oow.counters).to.deep.include({ TcpExtOutOfWindowIcmps: 1 });
    expect(oow.state.socks.size).to.equal(1);
    const dead = icmp(e, s, 3, 1, ISN);
    expect(dead.state.socks.size).to.equal(0);
    expect(dead.counters).to.deep.include({ TcpAttemptFails: 1 });
    expect(dead.state.listeners.get(80)?.tfoQlen).to.equal(0);
    expect(rules(dead)).to.include('icmp.abort');
    // no SYN-ACK retransmission afterwards, and the peer's ACK gets a RST
    expect(run(e, dead.state, { type: 'tick' }, 5000).responses).to.deep.equal([]);
    expect(only(seg(e, dead.state, { flags: 'A', seq: 1011, ack: ISN + 1 }, 5000)).tcp.flags).to.equal('R');
  });

  it('accepted: a soft error only, the connection stays', () => {
    const acc = run(e, child(), { type: 'accept', port: 80 }, 1050).state;
    const r = icmp(e, acc, 3, 1, ISN);
    expect(r.state.socks.size).to.equal(1);
    expect(rules(r)).to.include('icmp.soft');
  });
});
