// §8.7 TCP Fast Open, client side: the cookie request, the cache per destination, cookie + data,
// TCP_FASTOPEN_CONNECT's deferred SYN, the no-cookie mode, SYN data not acknowledged.
import { expect } from 'chai';
import { initialState } from '../../../lib/model';
import type { ModelEnv, ModelState } from '../../../lib/model';
import { env, only, rules, run, seg } from './helpers';

const PP = 9000;
const FO = { sport: PP, dport: 50000 };
const TFO = { sysctls: { tcp_fastopen: 0x3, tcp_timestamps: 0 }, fixed: { isn: 1000 } };

/** A Fast Open connect, then the peer's SYN-ACK (with a 4-byte cookie unless told otherwise). */
function handshake(e: ModelEnv, s: ModelState, len: number, synack: { ack?: number; cookie?: string | null; mss?: number } = {}, sport = 50000) {
  const syn = run(e, s, { type: 'connect', dport: PP, sport, fastopen: { len } }, 0);
  const cookie = synack.cookie === undefined ? 'abcd1234' : synack.cookie;
  const options = [{ kind: 'mss' as const, value: synack.mss ?? 1460 }, ...(cookie ? [{ kind: 'tfo' as const, cookie: Buffer.from(cookie, 'hex') }] : [])];
  const sa = seg(e, syn.state, { ...FO, dport: sport, flags: 'SA', seq: 5000, ack: synack.ack ?? 1001, options }, 10);
  return { syn, sa };
}

describe('model §8.7 client Fast Open', () => {
  it('no cookie cached: the SYN carries a cookie request (FO, NOP, NOP) and no data', () => {
    const e = env(TFO);
    const { syn } = handshake(e, initialState(e), 1000, { ack: 1001 });
    const p = only(syn);
    expect(p.tcp.options).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['sackOK'], ['nop'], ['wscale', 10], ['tfo', ''], ['nop'], ['nop']]);
    expect(p.tcp.len ?? 0).to.equal(0);
    expect(rules(syn)).to.include('fastopen.client-request');
  });

  it('the SYN-ACK cookie is cached per destination: the next connect sends it with min(MSS, cached MSS) − 40 bytes', () => {
    const e = env(TFO);
    const first = handshake(e, initialState(e), 0, { ack: 1001, mss: 940 });
    expect(rules(first.sa)).to.include('fastopen.client-cache');
    const ack = only(first.sa);
    expect(ack.tcp).to.include({ flags: 'A', seq: 1001 });
    const second = run(e, first.sa.state, { type: 'connect', dport: PP, sport: 50002, fastopen: { len: 2000 } }, 100);
    const p = only(second);
    expect(p.tcp.options).to.deep.include(['tfo', 'abcd1234']);
    expect(p.tcp.len).to.equal(900);
    expect(rules(second)).to.include('fastopen.client-cookie');
    // a retransmitted SYN carries neither the option nor the data
    const rtx = run(e, second.state, { type: 'tick' }, 1200);
    const r = only(rtx);
    expect(r.tcp.options.some((o) => o[0] === 'tfo')).to.equal(false);
    expect(r.tcp.len ?? 0).to.equal(0);
  });

  it('SYN data acknowledged: the ACK is at ISN+1+data; not acknowledged: the data goes again with PSH and no pure ACK', () => {
    const e = env(TFO);
    const first = handshake(e, initialState(e), 0, { ack: 1001 });
    const acked = run(e, first.sa.state, { type: 'connect', dport: PP, sport: 50002, fastopen: { len: 1000 } }, 100);
    const ok = seg(e, acked.state, { ...FO, dport: 50002, flags: 'SA', seq: 7000, ack: 2001, options: [{ kind: 'mss', value: 1460 }] }, 110);
    expect(only(ok).tcp).to.include({ flags: 'A', seq: 2001, ack: 7001 });
    expect(ok.counters.TcpExtTCPFastOpenActive).to.equal(1);
    const lost = seg(e, acked.state, { ...FO, dport: 50002, flags: 'SA', seq: 7000, ack: 1001, options: [{ kind: 'mss', value: 1460 }] }, 110);
    const d = only(lost);
    expect(d.tcp).to.include({ flags: 'PA', seq: 1001, ack: 7001, len: 1000 });
    expect(lost.counters.TcpExtTCPFastOpenActiveFail).to.equal(1);
    // beyond snd_nxt: unacceptable, RST
    const over = seg(e, acked.state, { ...FO, dport: 50002, flags: 'SA', seq: 7000, ack: 2002, options: [{ kind: 'mss', value: 1460 }] }, 110);
    expect(only(over).tcp.flags).to.equal('R');
  });

  it('TCP_FASTOPEN_CONNECT: without a cookie connect() sends the request; with one it defers the SYN to the first write', () => {
    const e = env(TFO);
    const req = run(e, initialState(e), { type: 'connect', dport: PP, sport: 50000, opts: { fastopenConnect: 1 } }, 0);
    expect(only(req).tcp.options).to.deep.include(['tfo', '']);
    const sa = seg(
      e,
      req.state,
      {
        ...FO,
        flags: 'SA',
        seq: 5000,
        ack: 1001,
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'tfo', cookie: Buffer.from('112233445566', 'hex') },
        ],
      },
      10,
    );
    const deferred = run(e, sa.state, { type: 'connect', dport: PP, sport: 50002, opts: { fastopenConnect: 1 } }, 100);
    expect(deferred.responses).to.have.length(0);
    expect(rules(deferred)).to.include('fastopen.client-defer');
    const write = run(e, deferred.state, { type: 'connect', dport: PP, sport: 50002, opts: { fastopenConnect: 1 }, fastopen: { len: 2000 } }, 110);
    const p = only(write);
    expect(p.tcp.options).to.deep.include(['tfo', '112233445566']);
    expect(p.tcp.len).to.equal(1420);
  });

  it('a request answered without a cookie: the next request is in the experimental format; tcp_fastopen 0x4 sends data without an option; no client bit: a plain SYN', () => {
    const e = env(TFO);
    const first = handshake(e, initialState(e), 0, { ack: 1001, cookie: null });
    expect(rules(first.sa)).to.include('fastopen.client-no-cookie-reply');
    const again = run(e, first.sa.state, { type: 'connect', dport: PP, sport: 50002, fastopen: { len: 10 } }, 100);
    expect(only(again).tcp.options).to.deep.include(['tfo', '', 'exp']);
    const nc = env({ ...TFO, sysctls: { tcp_fastopen: 0x5, tcp_timestamps: 0 } });
    const p = only(run(nc, initialState(nc), { type: 'connect', dport: PP, sport: 50000, fastopen: { len: 5000 } }, 0));
    expect(p.tcp.options.some((o) => o[0] === 'tfo')).to.equal(false);
    expect(p.tcp.len).to.equal(1420);
    const off = env({ ...TFO, sysctls: { tcp_fastopen: 0x2, tcp_timestamps: 0 } });
    const plain = run(off, initialState(off), { type: 'connect', dport: PP, sport: 50000, fastopen: { len: 100 } }, 0);
    expect(only(plain).tcp.options.some((o) => o[0] === 'tfo')).to.equal(false);
    expect(rules(plain)).to.include('fastopen.client-off');
  });

  it('a blocking sendto(MSG_FASTOPEN) with data the SYN did not carry: no pure ACK of the SYN-ACK (sk_write_pending); all of it in the SYN, or non-blocking: the ACK at once', () => {
    const e = env(TFO);
    const first = handshake(e, initialState(e), 0, { ack: 1001 });
    const connect = (len: number, blocking: boolean, sport: number) =>
      run(e, first.sa.state, { type: 'connect', dport: PP, sport, fastopen: { len, ...(blocking ? { blocking } : {}) } }, 100);
    const synack = (st: ModelState, sport: number, ack: number) =>
      seg(e, st, { ...FO, dport: sport, flags: 'SA', seq: 7000, ack, options: [{ kind: 'mss', value: 1460 }] }, 110);
    // 3000 bytes: 1420 in the SYN, 1580 wait in inet_wait_for_connect
    const blocked = connect(3000, true, 50002);
    expect(only(blocked).tcp.len).to.equal(1420);
    const est = synack(blocked.state, 50002, 2421);
    expect(est.responses).to.have.length(0);
    expect(rules(est)).to.include('synsent.write-pending');
    // the writer's bytes count in snd_nxt: close() sends the FIN after them
    const fin = run(e, est.state, { type: 'close', port: 50002, peerPort: PP }, 120);
    expect(only(fin).tcp).to.include({ flags: 'FA', seq: 1000 + 1 + 3000 });
    // everything in the SYN: tcp_send_syn_data leaves nothing pending, the ACK goes at once
    const all = connect(1000, true, 50004);
    expect(only(synack(all.state, 50004, 2001)).tcp).to.include({ flags: 'A', seq: 2001 });
    // the same bytes non-blocking: sendto returns what the SYN took, no writer waits
    const nb = connect(3000, false, 50006);
    expect(only(synack(nb.state, 50006, 2421)).tcp).to.include({ flags: 'A', seq: 2421 });
  });

  it('ip tcp_metrics flush empties the cache: the next connect asks for a cookie again', () => {
    const e = env(TFO);
    const first = handshake(e, initialState(e), 0, { ack: 1001 });
    const flushed = run(e, first.sa.state, { type: 'flush-metrics' }, 50);
    expect(rules(flushed)).to.include('event.flush-metrics');
    const again = only(run(e, flushed.state, { type: 'connect', dport: PP, sport: 50002, fastopen: { len: 1000 } }, 100));
    expect(again.tcp.options).to.deep.include(['tfo', '']);
    expect(again.tcp.len ?? 0).to.equal(0);
  });
});
