// synh compare on synthetic runs: status changes, behaviour changes classified by the model profiles
// of the kernels the cases ran on (6.18 vs 6.1), the pacing-proof timer rule, exit status and the text.
import { strict as assert } from 'assert';
import { compareExitCode, compareRuns, type CaseView, type RunView } from '../../../lib/compare/compare';
import { formatCompareMarkdown, formatCompareText } from '../../../lib/compare/format';
import { predictionText } from '../../../lib/compare/model-note';
import type { ComparableModel, ComparablePacket } from '../../../lib/compare/types';
import type { Prediction } from '../../../lib/model';

const RST_RULE: ComparableModel = { rule: 'reset.closed', fn: 'tcp_v4_send_reset', packet: 'R seq== ack=0 win=0 tos=0 ttl=64', t: 0 };

function rst(tos: string, model: ComparableModel = RST_RULE): ComparablePacket {
  return { dir: 'dut', flow: 'a', f: { flags: 'R', seq: 'dut.isn+1', ack: '0', tos, win: '0' }, n: { t: 0.1 }, model };
}
const PEER: ComparablePacket = { dir: 'peer', flow: 'a', f: { flags: 'S', seq: 'peer.isn', ack: '0', tos: '1' } };

function kase(id: string, o: Partial<CaseView> & { dut?: ComparablePacket[] } = {}): CaseView {
  const { dut, ...rest } = o;
  return {
    id,
    status: 'pass',
    kernel: '6.18.44',
    modelProfile: '6.18',
    sysctls: {},
    comparable: {
      steps: [
        { step: 1, packets: [PEER] },
        { step: 2, packets: dut ?? [rst('0')] },
      ],
    },
    ...rest,
  };
}

function run(label: string, cases: CaseView[], kernel = '6.18.44'): RunView {
  return { label, runId: label, kernel, comparable: true, cases };
}

describe('compare/compare', () => {
  it('the same run twice compares clean, exit 0', () => {
    const a = run('A', [kase('x@ipv4'), kase('y@ipv4')]);
    const r = compareRuns(a, run('B', [kase('x@ipv4'), kase('y@ipv4')]));
    assert.deepEqual([r.regressions, r.fixes, r.changes, r.onlyA, r.onlyB], [[], [], [], [], []]);
    assert.equal(r.compared, 2);
    assert.equal(compareExitCode(r), 0);
  });

  it('regressions, fixes, other status changes and cases only in one run', () => {
    const a = run('A', [kase('reg'), kase('err'), kase('fix', { status: 'fail', message: 'was broken' }), kase('skip', { status: 'skip' }), kase('gone')]);
    const b = run('B', [
      kase('reg', { status: 'fail', message: 'step 2: flags differ' }),
      kase('err', { status: 'error' }),
      kase('fix'),
      kase('skip', { status: 'fail' }),
      kase('new'),
    ]);
    const r = compareRuns(a, b);
    assert.deepEqual(
      r.regressions.map((s) => [s.id, s.to]),
      [
        ['reg', 'fail'],
        ['err', 'error'],
      ],
    );
    assert.deepEqual(
      r.fixes.map((s) => [s.id, s.message]),
      [['fix', 'was broken']],
    );
    assert.deepEqual(
      r.otherStatus.map((s) => s.id),
      ['skip'],
    );
    assert.deepEqual([r.onlyA, r.onlyB], [['gone'], ['new']]);
    assert.equal(compareExitCode(r), 1);
    assert.equal(compareExitCode(r, { allowRegressions: true }), 0);
    const text = formatCompareText(r);
    assert.ok(text.indexOf('## Summary') < text.indexOf('## Regressions') && text.includes('* reg: pass → fail — step 2: flags differ'), text);
  });

  it('a change the two profiles predict is explained, naming the flag, its release and the rule', () => {
    // A SYN that reincarnates a TIME_WAIT connection: 6.1 answers with a fresh ISN, 6.10+ reuses the
    // one the TIME_WAIT socket chose (twIsnReuse).
    const synack = (isn: string, rule: string): ComparablePacket => ({
      dir: 'dut',
      flow: 'a',
      f: { flags: 'SA', isn, seq: 'dut.isn#2', ack: 'peer.isn#2+1' },
      n: { t: 0.1 },
      model: { rule, fn: 'tcp_conn_request', packet: `SA seq=${isn === 'fresh' ? '≠' : '='} ack== win=65160`, t: 0 },
    });
    const a = run('A', [kase('x', { kernel: '6.1.192', dut: [synack('fresh', 'tw.isn-lost')] })], '6.1.192');
    const b = run('B', [kase('x', { dut: [synack('near dut.nxt', 'synack.sent')] })]);
    const r = compareRuns(a, b);
    assert.equal(r.a.profile, '6.1 (version 6.1.192)');
    assert.equal(r.changes.length, 1);
    const c = r.changes[0];
    assert.deepEqual([c.kind, c.field, c.a, c.b, c.explained], ['field', 'isn', 'fresh', 'near dut.nxt', true]);
    assert.deepEqual(
      c.explanation!.flags.map((f) => [f.flag, f.a, f.b]),
      [['twIsnReuse', false, true]],
    );
    assert.deepEqual(c.explanation!.rules, ['tw.isn-lost', 'synack.sent']);
    assert.equal(compareExitCode(r), 0);
    assert.match(formatCompareText(r), /explained: profile flag twIsnReuse false → true \(since 6\.10: .*\); rule tw\.isn-lost, synack\.sent/);
  });

  it('the same change judged with the same profile is unexplained, exit 1 unless relaxed', () => {
    // A host run judged against a kernel that cleared the bits where the model (same profile) says
    // it reflects them: the model predicts the same packet for both, so nobody explained it.
    const a = run('A', [kase('x', { dut: [rst('1')] })]);
    const r = compareRuns(a, run('B', [kase('x')]));
    assert.equal(r.changes.length, 1);
    assert.equal(r.changes[0].explained, false);
    assert.match(r.changes[0].why!, /model predicts the same packet/);
    assert.equal(compareExitCode(r), 1);
    assert.equal(compareExitCode(r, { allowUnexplained: true }), 0);
    assert.match(formatCompareMarkdown(r), /#### Behaviour changes, unexplained/);
  });

  it('a differing profile flag that touches neither the rule nor the field explains nothing', () => {
    const win = (w: string, m: ComparableModel): ComparablePacket => ({ ...rst('0', m), f: { ...rst('0').f, win: w } });
    const a = run('A', [kase('x', { kernel: '6.1.0', modelProfile: '6.1', dut: [win('0', { ...RST_RULE, rule: 'estab.ack', packet: 'A win=0' })] })]);
    const b = run('B', [kase('x', { dut: [win('512', { ...RST_RULE, rule: 'estab.ack', packet: 'A win=512' })] })]);
    const r = compareRuns(a, b);
    assert.equal(r.changes[0].explained, false);
    assert.match(r.changes[0].why!, /no differing profile flag/);
  });

  it('a differing flag that shapes the rule but not the changed field yields to a differing sysctl', () => {
    // 6.1 vs 6.18 differ in linearSynTimeouts, which shapes connect.syn's timing, not its window scale;
    // the guest's smaller tcp_rmem does.
    const syn = (ws: string): ComparablePacket => ({
      dir: 'dut',
      flow: 'a',
      f: { flags: 'S', wscale: ws },
      n: { t: 0 },
      model: { rule: 'connect.syn', fn: 'tcp_connect', packet: `S [wscale ${ws}]`, t: 0 },
    });
    const a = run('A', [kase('x', { dut: [syn('10')], sysctls: { 'net.ipv4.tcp_rmem': '4096 131072 33554432' } })]);
    const b = run('B', [kase('x', { kernel: '6.1.192', dut: [syn('7')], sysctls: { 'net.ipv4.tcp_rmem': '4096 131072 6291456' } })], '6.1.192');
    const c = compareRuns(a, b).changes[0];
    assert.equal(c.explained, true);
    assert.deepEqual(c.explanation!.flags, []);
    assert.deepEqual(c.explanation!.sysctls, [{ name: 'net.ipv4.tcp_rmem', a: '4096 131072 33554432', b: '4096 131072 6291456' }]);
  });

  it('a packet that appears unpredicted is a change; one the model predicted where it appears is pacing', () => {
    const { model: _, ...unpredicted } = rst('0');
    const r = compareRuns(run('A', [kase('x')]), run('B', [kase('x', { dut: [rst('0'), unpredicted] })]));
    assert.deepEqual(
      r.changes.map((c) => [c.kind, c.step, c.packet, c.explained]),
      [['appeared', 2, 1, false]],
    );
    const timer = { ...rst('0'), model: { ...RST_RULE, rule: 'syn_timer.retransmit' } };
    const p = compareRuns(run('A', [kase('x', { dut: [rst('0'), timer] })]), run('B', [kase('x')]));
    assert.deepEqual([p.changes, p.paced.map((c) => [c.kind, c.explanation!.rules])], [[], [['vanished', ['syn_timer.retransmit']]]]);
    assert.equal(compareExitCode(p), 0);
    assert.match(formatCompareText(p), /came or went with the pacing/);
  });

  it("a timer moved only when its time after the step, the flow's previous and its first DUT packet all moved", () => {
    const at = (n: Record<string, number>): ComparablePacket[] => [rst('0'), { ...rst('0'), n, model: { ...RST_RULE, rule: 'syn_timer.retransmit', ...n } }];
    // The harness waited longer before the step: t and gap move, the timer's own anchor (first) does not.
    const paced = compareRuns(
      run('A', [kase('x', { dut: at({ t: 398, gap: 398, first: 1012 }) })]),
      run('B', [kase('x', { dut: at({ t: 484, gap: 484, first: 1023 }) })]),
    );
    assert.deepEqual(paced.changes, []);
    // A flow's first reply, to a SYN sent steps before the step's reference (four SYNs, then the first SYN-ACK
    // expected): the harness's pacing of the sends moves its t (-2.8 → -55.4 ms), not its time after its SYN.
    const reply = (n: Record<string, number>): ComparablePacket[] => [rst('0'), { ...rst('0'), n, model: { ...RST_RULE, rule: 'synack.sent', ...n } }];
    assert.deepEqual(
      compareRuns(run('A', [kase('x', { dut: reply({ t: -2.8, peer: 0.1 }) })]), run('B', [kase('x', { dut: reply({ t: -55.4, peer: 0.2 }) })])).changes,
      [],
    );
    // 6.1 retransmits at 1 s then 3 s; a 6.18 profile with linear timeouts at 1 s then 2 s: explained.
    const a = run('A', [kase('x', { kernel: '6.1.0', modelProfile: '6.1', dut: at({ t: 3000, gap: 2000, first: 3000 }) })]);
    const b = run('B', [kase('x', { dut: at({ t: 2000, gap: 1000, first: 2000 }) })]);
    const r = compareRuns(a, b);
    assert.deepEqual(
      r.changes.map((c) => [c.kind, c.explained]),
      [['timer', true]],
    );
    assert.ok(r.changes[0].explanation!.flags.some((f) => f.flag === 'linearSynTimeouts'));
    // A tolerance above the move (--timer-tolerance, for kernels under emulation) hides it.
    assert.deepEqual(compareRuns(a, b, { timerAbsMs: 1500 }).changes, []);
  });

  it('a run without the comparable form compares statuses only', () => {
    const old = { ...run('A', [{ ...kase('x'), comparable: undefined }]), comparable: false };
    const r = compareRuns(old, run('B', [kase('x')]));
    assert.deepEqual([r.notCompared, r.compared, r.changes], [['x'], 0, []]);
    assert.match(formatCompareText(r), /made by an older synharness/);
  });
});

describe('compare/model-note', () => {
  const ack = (range: [number, number]) =>
    ({
      packet: { ip: { ttl: 64, tos: 0, df: true, id: '*' }, tcp: { flags: 'A', seq: '*', ack: 5001, window: '*', options: [] } },
      expect: { 'tcp.window': { range, bindAs: 'w' } },
      reason: { rule: 'synsent.established', fn: 'tcp_rcv_synsent_state_process' },
      atMs: 0,
    }) as unknown as Prediction;
  it("a window the model bounds shows its range, so two kernels' predictions differ where the scale does (the active opener's ACK: 63 vs 502)", () => {
    assert.match(predictionText(ack([61, 65])), /win=61\.\.65 /);
    assert.notEqual(predictionText(ack([61, 65])), predictionText(ack([500, 503])));
  });
});
