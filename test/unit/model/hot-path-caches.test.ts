// The hot path's caches and shared immutable objects must never leak one env's, listener's or step's
// values into another: SYN-ACK templates and their reasons (make-synack.ts, cached per listener
// options and env), fixed ECN decisions (ecn.ts), timer-wheel slack (timer-wheel.ts) and the shared
// empty table of EMPTY_STATE (state.ts).
import { expect } from 'chai';
import type { SockOpts } from '../../../lib/model/core/sockopts';
import { optionArea, segOf } from '../../../lib/model/core/seg';
import { EMPTY_STATE, isEmptyDict } from '../../../lib/model/core/state';
import { emitOptions } from '../../../lib/wire/tcp-options';
import type { TcpOption } from '../../../lib/wire/types';
import { armFromEvent, rearmFromTimer } from '../../../lib/model/core/timer-wheel';
import type { StepResult } from '../../../lib/model';
import { env, FULL, listening, only, opts, pkt, run, seg } from './helpers';

function text(r: StepResult, rule: string): string {
  const x = r.reasons.find((y) => y.rule === rule);
  if (!x) throw new Error(`no ${rule} in ${r.reasons.map((y) => y.rule).join(', ')}`);
  return x.text;
}

describe('model hot-path caches', () => {
  it('one listener-options object under two envs: each SYN-ACK (and its reasons) follows its own env', () => {
    const lopts: SockOpts = {};
    const a = env();
    const b = env({ mtu: 9000, sysctls: { ip_default_ttl: 33, tcp_rmem: '4096 131072 6291456' } });
    const la = listening(a, lopts);
    const lb = listening(b, lopts);
    // Interleaved, so the per-options cache entry is rebuilt for each env in turn.
    for (let i = 0; i < 2; i++) {
      const ra = seg(a, la, { flags: 'S', sport: 40000 + i, options: FULL });
      const rb = seg(b, lb, { flags: 'S', sport: 40000 + i, options: FULL });
      expect(opts(only(ra))[0]).to.deep.equal(['mss', 1460]);
      expect(opts(only(rb))[0]).to.deep.equal(['mss', 8960]);
      expect(text(ra, 'synack.mss')).to.equal('MSS option 1460 = min(advmss 1460)');
      expect(text(rb, 'synack.mss')).to.equal('MSS option 8960 = min(advmss 8960)');
      expect(text(ra, 'synack.ip')).to.equal('TTL 64, TOS 0x0, DF, ID 0');
      expect(text(rb, 'synack.ip')).to.equal('TTL 33, TOS 0x0, DF, ID 0');
      expect((only(rb).ip as { ttl: number }).ttl).to.equal(33);
      expect(text(ra, 'window.initial')).to.not.equal(text(rb, 'window.initial'));
    }
  });

  it('two sysctl sets on one listener-options object: timestamps/SACK choices are not shared', () => {
    const lopts: SockOpts = {};
    const on = env();
    const off = env({ sysctls: { tcp_timestamps: 0, tcp_sack: 0 } });
    const a = seg(on, listening(on, lopts), { flags: 'S', options: FULL });
    const b = seg(off, listening(off, lopts), { flags: 'S', options: FULL });
    const c = seg(on, listening(on, lopts), { flags: 'S', options: FULL });
    expect(opts(only(a)).map((o) => o[0])).to.deep.equal(['mss', 'sackOK', 'ts', 'nop', 'wscale']);
    expect(opts(only(b)).map((o) => o[0])).to.deep.equal(['mss', 'nop', 'wscale']);
    expect(opts(only(c))).to.deep.equal(opts(only(a)));
    expect(text(b, 'synack.options')).to.equal('MSS 1460, NOP WS 10');
    expect(text(c, 'synack.options')).to.equal(text(a, 'synack.options'));
  });

  it('setsockopt gives the listener new options, hence a new template', () => {
    const e = env();
    const s = listening(e);
    const before = seg(e, s, { flags: 'S', options: FULL });
    const s2 = run(e, s, { type: 'setsockopt', port: 80, opts: { maxseg: 1000 } }).state;
    const after = seg(e, s2, { flags: 'S', options: FULL });
    expect(opts(only(before))[0]).to.deep.equal(['mss', 1460]);
    expect(opts(only(after))[0]).to.deep.equal(['mss', 1000]);
    expect(text(after, 'synack.mss')).to.equal('MSS option 1000 = min(advmss 1460, TCP_MAXSEG 1000)');
    expect(text(before, 'synack.mss')).to.equal('MSS option 1460 = min(advmss 1460)');
  });

  it('reasons shared between steps read the same whenever and in whatever order they are read', () => {
    const e = env();
    const s = listening(e);
    const r1 = seg(e, s, { flags: 'S', sport: 40001, options: FULL });
    const r2 = seg(e, s, { flags: 'S', sport: 40002, options: FULL });
    const t2 = r2.reasons.map(String);
    const t1 = r1.reasons.map(String);
    expect(t1.length).to.equal(t2.length);
    for (let i = 0; i < t1.length; i++) if (!/40001|40002/.test(t1[i] + t2[i])) expect(t1[i]).to.equal(t2[i]);
    expect(JSON.parse(JSON.stringify(r1.reasons))).to.deep.equal(t1.map((_, i) => r1.reasons[i].toJSON()));
  });

  it('fixed ECN decisions keep their own texts', () => {
    const e = env();
    const s = listening(e);
    expect(text(seg(e, s, { flags: 'S' }), 'ecn.not-requested')).to.equal('SYN has neither ECE nor CWR → no ECN');
    expect(text(seg(e, s, { flags: 'SE' }), 'ecn.not-requested')).to.equal('SYN has ECE without CWR → no ECN');
    expect(text(seg(e, s, { flags: 'SC' }), 'ecn.not-requested')).to.equal('SYN has CWR without ECE → no ECN');
    const off = env({ sysctls: { tcp_ecn: 0 } });
    expect(text(seg(off, listening(off), { flags: 'SEC' }), 'ecn.sysctl-off')).to.equal('ECE+CWR but tcp_ecn=0 → no ECN');
    expect(text(seg(e, s, { flags: 'SEC' }), 'ecn.ok')).to.equal('ECE+CWR, tcp_ecn=2, Not-ECT → ECE');
  });

  it('timer slack of event-armed timers: one frozen object per wheel level, untouched by re-arming', () => {
    const a = armFromEvent(0, 1000);
    expect(a.slack).to.deep.equal({ widthMs: 32, alignMs: 32 });
    expect(Object.isFrozen(a.slack)).to.equal(true);
    const next = rearmFromTimer(a.atMs, a.slack, 2000);
    expect(next.slack).to.not.equal(a.slack);
    expect(armFromEvent(5, 1000).slack).to.deep.equal({ widthMs: 32, alignMs: 32 });
    expect(armFromEvent(0, 4000).slack).to.deep.equal({ widthMs: 256, alignMs: 256 });
    expect(armFromEvent(0, 8).slack).to.deep.equal({ widthMs: 4, alignMs: 4 });
    expect(armFromEvent(0, 60000).slack).to.deep.equal({ widthMs: 2048, alignMs: 2048 });
  });

  it('empty tables: the shared one of EMPTY_STATE and an emptied copy behave alike', () => {
    expect(EMPTY_STATE.reqs.size).to.equal(0);
    expect(isEmptyDict(EMPTY_STATE.bindings)).to.equal(true);
    const e = env({ sysctls: { tcp_synack_retries: 1 } });
    const s = listening(e);
    const first = seg(e, s, { flags: 'S', options: FULL });
    expect(first.state.reqs.size).to.equal(1);
    // The req times out (1 retry): the table is empty again, but a copy, not the shared empty table.
    const gone = run(e, first.state, { type: 'tick' }, 60000).state;
    expect(gone.reqs.keys()).to.deep.equal([]);
    expect(gone.reqs).to.not.equal(EMPTY_STATE.reqs);
    expect(gone.reqs.size).to.equal(0);
    const again = seg(e, gone, { flags: 'S', options: FULL }, 61000);
    const fresh = seg(e, s, { flags: 'S', options: FULL }, 61000);
    expect(only(again)).to.deep.equal(only(fresh));
    expect(again.reasons.map(String)).to.deep.equal(fresh.reasons.map(String));
  });

  it("a segment's option area is a view of the packet's own bytes, equal to the option list re-emitted", () => {
    const e = env();
    const bytes = (...b: number[]): TcpOption => ({ kind: 'bytes', bytes: Uint8Array.from(b) });
    const lists: TcpOption[][] = [
      [],
      FULL,
      [{ kind: 'mss', value: 1460 }, { kind: 'eol' }, bytes(0, 0, 0)],
      [{ kind: 'nop' }, { kind: 'unknown', type: 99, data: Uint8Array.from([1, 2, 3]) }, { kind: 'sackOK' }, bytes(3, 1)],
      [{ kind: 'ts', val: 7, ecr: 0 }, bytes(2, 40, 5, 180, 0, 0)],
    ];
    for (const list of lists) {
      const d = pkt(e, { flags: 'S', options: list, payload: Uint8Array.from([9, 9]) });
      const area = optionArea(segOf(d));
      expect([...area]).to.deep.equal([...emitOptions(d.tcp!.options)]);
      expect(area.length).to.equal(d.tcp!.dataOffset * 4 - 20);
      if (area.length) expect(area.buffer).to.equal(d.bytes.buffer);
      // A Decoded built by hand (no tcpOffset from the decoder): the list re-emitted, the same bytes.
      const copy = { ...d, tcpOffset: undefined, bytes: new Uint8Array(0) };
      const again = optionArea(segOf(copy));
      if (area.length) expect(again.buffer).to.not.equal(d.bytes.buffer);
      expect([...again]).to.deep.equal([...area]);
    }
  });

  it('a step that changes nothing returns its base state and the shared frozen empties; one that does, fresh ones', () => {
    const e = env();
    const s = listening(e);
    const quiet = seg(e, s, { flags: 'R' }, 5); // RST to a listener: dropped, nothing counted
    expect(quiet.state).to.equal(s);
    expect(quiet.responses).to.deep.equal([]);
    expect(Object.isFrozen(quiet.responses) && Object.isFrozen(quiet.timers) && Object.isFrozen(quiet.counters)).to.equal(true);
    const busy = seg(e, s, { flags: 'S', options: FULL }, 5);
    expect(busy.state).to.not.equal(s);
    expect(busy.responses).to.have.length(1);
    expect(busy.timers).to.have.length(1);
    const again = seg(e, s, { flags: 'R' }, 6);
    expect(again.responses).to.deep.equal([]); // the shared empties were not written through
  });
});
