// Events and neighbouring paths: close()/FIN/TIME_WAIT (§7), a SYN re-using a TIME_WAIT 4-tuple,
// listener close, established data/FIN (§8.6), IP-level drops (§3.1), and the remaining table rows.
import { expect } from 'chai';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { internetChecksum } from '../../../lib/wire/bytes';
import { apply, initialState } from '../../../lib/model';
import type { ModelState } from '../../../lib/model';
import { env, FULL, listening, only, rules, run, seg } from './helpers';

const e = env({ fixed: { isn: 5000, tsOff: 0 } });
function established(): ModelState {
  let s = seg(e, listening(e), { flags: 'S', seq: 1000, options: FULL }, 0).state;
  s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: [{ kind: 'ts', val: 101, ecr: 0 }] }, 10).state;
  return run(e, s, { type: 'accept', port: 80 }, 20).state;
}
const TS = (val: number) => [{ kind: 'ts' as const, val, ecr: 0 }];

describe('model established socket (§8.6) and close (§7)', () => {
  it('in-order data → ACK ack=+len; FIN → ACK, CLOSE_WAIT', () => {
    const s = established();
    const d = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, payload: new Uint8Array(7), options: TS(200) }, 100);
    expect(only(d).tcp).to.include({ flags: 'A', seq: 5001, ack: 1008 });
    expect(rules(d)).to.include('estab.data');
    const f = seg(e, d.state, { flags: 'FA', seq: 1008, ack: 5001, options: TS(300) }, 200);
    expect(only(f).tcp.ack).to.equal(1009);
    expect(rules(f)).to.include('estab.fin');
  });
  it('PAWS: a TSval 1000 below ts_recent on a non-SYN → duplicate ACK (C12)', () => {
    const r = seg(e, established(), { flags: 'A', seq: 1001, ack: 5001, options: TS((101 - 1000) >>> 0) }, 100);
    expect(only(r).tcp).to.include({ flags: 'A', ack: 1001 });
    expect(rules(r)).to.include('estab.paws-drop');
  });
  it('out-of-window RST → dropped; no-ACK segment → dropped; ACK beyond snd_nxt → challenge ACK', () => {
    const s = established();
    expect(rules(seg(e, s, { flags: 'R', seq: 99 }, 100))).to.include('estab.rst-oow');
    expect(rules(seg(e, s, { flags: 'P', seq: 1001, payload: new Uint8Array(2) }, 100))).to.include('estab.no-ack-drop');
    // ACK of data never sent: a challenge ACK (C9).
    const u = seg(e, s, { flags: 'A', seq: 1001, ack: 9999, options: TS(150) }, 100);
    expect(rules(u)).to.include('estab.unsent-ack');
    expect(only(u).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
  });
  it('active close: FIN|ACK → FIN_WAIT1; peer ACK → FIN_WAIT2; peer FIN → ACK, TIME_WAIT; expires after 60 s', () => {
    let s = established();
    const c = run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 100);
    expect(only(c).tcp).to.include({ flags: 'FA', seq: 5001, ack: 1001 });
    s = seg(e, c.state, { flags: 'A', seq: 1001, ack: 5002, options: TS(200) }, 150).state;
    expect(s.socks.values()[0].state).to.equal('FIN_WAIT2');
    const f = seg(e, s, { flags: 'FA', seq: 1001, ack: 5002, options: TS(300) }, 200);
    expect(only(f).tcp).to.include({ flags: 'A', seq: 5002, ack: 1002 });
    // The orphan became a FIN_WAIT2 timewait socket when its FIN was acked: stateless ACK, IPv4 ID 0 (C23).
    expect(rules(f)).to.include('tw.fw2-fin');
    expect((only(f).ip as { id: unknown }).id).to.equal(0);
    expect(f.state.socks.values()[0].state).to.equal('TIME_WAIT');
    const tick = apply(e, f.state, { type: 'tick' }, 60300);
    expect(rules(tick)).to.include('tw.expire');
    expect(tick.state.socks.size).to.equal(0);
  });
  it('TIME_WAIT: retransmitted FIN → ACK (then rate-limited); exact RST kills it; bare ACK silent', () => {
    let s = established();
    s = run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 100).state;
    s = seg(e, s, { flags: 'FA', seq: 1001, ack: 5002, options: TS(300) }, 200).state;
    const a = seg(e, s, { flags: 'FA', seq: 1001, ack: 5002, options: TS(300) }, 1000);
    expect(only(a).tcp).to.include({ flags: 'A', seq: 5002, ack: 1002 });
    // A FIN is exempt from the rate limit (it is not part of an ACK loop); an old bare ACK is not.
    const o1 = seg(e, a.state, { flags: 'A', seq: 900, ack: 5002, options: TS(300) }, 1600);
    expect(only(o1).tcp.flags).to.equal('A');
    expect(rules(seg(e, o1.state, { flags: 'A', seq: 900, ack: 5002, options: TS(300) }, 1700))).to.include('tw.limited');
    expect(rules(seg(e, s, { flags: 'R', seq: 1002 }, 1000))).to.include('tw.rst-kill');
    expect(rules(seg(e, s, { flags: 'A', seq: 1002, ack: 5002 }, 1000))).to.include('tw.silent');
    const e2 = env({ fixed: { isn: 5000 }, sysctls: { tcp_rfc1337: 1 } });
    expect(rules(seg(e2, s, { flags: 'R', seq: 1002 }, 1000))).to.include('tw.rst-ignored');
  });
  it('§7: a newer SYN on the TIME_WAIT 4-tuple → new req with ISN = tw_snd_nxt + 65537, limits bypassed', () => {
    let s = established();
    s = run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 100).state;
    s = seg(e, s, { flags: 'FA', seq: 1001, ack: 5002, options: TS(300) }, 200).state;
    const r = seg(
      e,
      s,
      {
        flags: 'S',
        seq: 90000,
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'ts', val: 1000, ecr: 0 },
        ],
      },
      1000,
    );
    expect(only(r).tcp).to.include({ flags: 'SA', seq: 5002 + 65537, ack: 90001 });
    expect(rules(r)).to.include.members(['tw.syn-accept', 'conn_request.tw-bypass', 'isn.tw']);
  });
  it('passive close: CLOSE_WAIT → close() FIN → LAST_ACK → ACK → closed', () => {
    let s = established();
    s = seg(e, s, { flags: 'FA', seq: 1001, ack: 5001, options: TS(300) }, 100).state;
    s = run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 200).state;
    const r = seg(e, s, { flags: 'A', seq: 1002, ack: 5002, options: TS(400) }, 300);
    expect(rules(r)).to.include('close.done');
    expect(r.state.socks.size).to.equal(0);
  });
  it('listener close: unaccepted children reset with RST|ACK, reqs dropped silently', () => {
    let s = seg(e, listening(e), { flags: 'S', seq: 1000, options: FULL }, 0).state;
    s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: TS(101) }, 10).state;
    s = seg(e, s, { flags: 'S', sport: 40001, seq: 1000 }, 20).state;
    const r = run(e, s, { type: 'close', port: 80 }, 30);
    expect(only(r).tcp).to.include({ flags: 'RA', seq: 5001, ack: 1001 });
    expect(r.state.reqs.size).to.equal(0);
    expect(only(seg(e, r.state, { flags: 'S', sport: 40002 }, 40)).tcp.flags).to.equal('RA');
  });
});

describe('model events', () => {
  it('listen twice → in use; setsockopt; accept on an empty queue; close of nothing', () => {
    let s = listening(e);
    expect(rules(run(e, s, { type: 'listen', port: 80, backlog: 5 }))).to.include('event.listen-in-use');
    s = run(e, s, { type: 'setsockopt', port: 80, opts: { maxseg: 1000 } }).state;
    expect(only(seg(e, s, { flags: 'S' })).tcp.options[0]).to.deep.equal(['mss', 1000]);
    expect(rules(run(e, s, { type: 'setsockopt', port: 81, opts: {} }))).to.include('event.setsockopt-no-socket');
    expect(rules(run(e, s, { type: 'accept', port: 80 }))).to.include('event.accept-empty');
    expect(rules(run(e, s, { type: 'close', port: 81 }))).to.include('event.close-nothing');
  });
  it('connect on a 4-tuple in use fails', () => {
    const s = run(e, initialState(e), { type: 'connect', dport: 9, sport: 5 }).state;
    expect(rules(run(e, s, { type: 'connect', dport: 9, sport: 5 }))).to.include('connect.in-use');
  });
  it('the input state is never modified', () => {
    const s = listening(e);
    const snap = JSON.stringify(s);
    seg(e, s, { flags: 'S', options: FULL });
    expect(JSON.stringify(s)).to.equal(snap);
  });
});

describe('model §3.1 IP-level drops and other rows', () => {
  const L = listening(e);
  const raw = (b: Uint8Array) => apply(e, L, { type: 'segment', seg: decodeIp(b) }, 1000);
  it('bad IPv4 header checksum, not TCP, fragment, truncated → silence', () => {
    const ok = buildIp({ ip: 4, src: e.peer, dst: e.dut, sport: 1, dport: 80, flags: 'S' });
    expect(rules(raw(buildIp({ ip: 4, src: e.peer, dst: e.dut, sport: 1, dport: 80, flags: 'S', mistakes: { ipChecksum: 'bad' } })))).to.include(
      'demux.ip-csum',
    );
    const fixCsum = (b: Uint8Array) => {
      b[10] = 0;
      b[11] = 0;
      const c = internetChecksum(b, 0, 20);
      b[10] = c >> 8;
      b[11] = c & 0xff;
      return b;
    };
    const udp = ok.slice();
    udp[9] = 17;
    expect(rules(raw(fixCsum(udp)))).to.include('demux.not-tcp');
    const frag = ok.slice();
    frag[6] |= 0x20; // MF
    const r = raw(fixCsum(frag));
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('demux.fragment');
    // Total length 40 with 30 bytes present: dropped by ip_rcv_core before TCP (C21).
    expect(rules(raw(ok.subarray(0, 30)))).to.include('demux.ip-truncated');
    expect(raw(ok.subarray(0, 30)).responses).to.deep.equal([]);
    expect(rules(raw(new Uint8Array(3)))).to.include('demux.no-ip');
  });
  it('DCTCP (CC needs ECN): ecn_ok and ECT(0) on the SYN-ACK [inferred]', () => {
    const e2 = env({ cc: 'dctcp' });
    const p = only(seg(e2, listening(e2), { flags: 'SEC', tos: 2 }));
    expect(p.tcp.flags).to.equal('SAE');
    expect(p.ip).to.include({ tos: 2 });
  });
  it('TFO cookie does not fit next to MD5 + full options → left out', () => {
    const e2 = env({ sysctls: { tcp_fastopen: 3 } });
    const r = seg(e2, listening(e2, { fastopen: 4, md5Peers: [e2.peer] }), {
      flags: 'S',
      options: [
        { kind: 'md5', digest: new Uint8Array(16) },
        { kind: 'mss', value: 1460 },
        { kind: 'sackOK' },
        { kind: 'ts', val: 1, ecr: 0 },
        { kind: 'wscale', shift: 7 },
        { kind: 'tfo', cookie: new Uint8Array(0) },
      ],
    });
    expect(rules(r)).to.include('synack.tfo-no-room');
  });
  it('valid cookie ACK with a full accept queue → dropped silently', () => {
    const e2 = env({ sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000 } });
    let s = listening(e2, {}, 0);
    s = seg(e2, s, { flags: 'S', sport: 1, seq: 500 }).state;
    s = seg(e2, s, { flags: 'S', sport: 2, seq: 500 }).state;
    s = seg(e2, s, { flags: 'A', sport: 1, seq: 501, ack: 9001 }, 1100).state;
    const r = seg(e2, s, { flags: 'A', sport: 2, seq: 501, ack: 9001 }, 1100);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('cookies.acceptq-full');
  });
  it('SYN queue more than half full: old reqs lose retries (pruning)', () => {
    const e2 = env({ sysctls: { tcp_syncookies: 0 } });
    let s = listening(e2, {}, 8);
    for (let i = 0; i < 9; i++) s = seg(e2, s, { flags: 'S', sport: 100 + i }, 0).state;
    let pruned = false;
    for (let t = 1000; t <= 20000; t += 1000) {
      const r = apply(e2, s, { type: 'tick' }, t);
      pruned ||= rules(r).includes('reqsk_timer.prune');
      s = r.state;
    }
    expect(pruned).to.equal(true);
  });
  it('TFO child: SYN-ACK retransmitted from the child timer, then dropped after synack_retries+1', () => {
    const e2 = env({ sysctls: { tcp_fastopen: 0x203, tcp_synack_retries: 1 } });
    let s = seg(e2, listening(e2, { fastopen: 4 }), { flags: 'S', payload: new Uint8Array(3) }, 0).state;
    const times: number[] = [];
    let gone = false;
    for (let t = 500; t <= 10000; t += 500) {
      const r = apply(e2, s, { type: 'tick' }, t);
      for (const p of r.responses) times.push(p.atMs);
      gone ||= rules(r).includes('reqsk_timer.child-gone');
      s = r.state;
    }
    expect(times).to.deep.equal([1000, 3016]); // 1 s, then 2016 ms from an aligned jiffy (C5)
    expect(gone).to.equal(true);
  });
});
