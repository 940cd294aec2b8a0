import { expect } from 'chai';
import { formatCaseFailure, ladderPackets } from '../../../harness/report/diff-text';
import { renderLadder } from '../../../harness/report/ladder';
import { summarizePacket } from '../../../harness/report/packet-summary';
import { toSummary, toSummaryJson } from '../../../harness/report/summary';
import { A, MSS_1460, R, S, WS_7, fixtureRun, tcpFrame } from './fixture';

const cps = (s: string): number => Array.from(s).length;

describe('report/packet-summary', () => {
  it('describes TCP over IPv4 and IPv6 with options', () => {
    expect(summarizePacket(tcpFrame({ flags: S, seq: 1000, options: [...MSS_1460, ...WS_7, 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0] }))).to.equal(
      'S seq=1000 win=64240 mss=1460 ws=7 sackOK ts=5/0',
    );
    expect(summarizePacket(tcpFrame({ v6: true, flags: S | A, seq: 7, ack: 1001, payload: 3 }), { addrs: true })).to.equal(
      '[2001:db8::1]:40000 > [2001:db8::2]:80 SA seq=7 ack=1001 win=64240 len=3',
    );
    expect(summarizePacket(tcpFrame({ flags: R, seq: 1 }), { addrs: true })).to.equal('198.18.0.1:40000 > 198.18.0.2:80 R seq=1 win=64240');
  });

  it('never throws on short or odd frames', () => {
    const f = tcpFrame({ flags: S, seq: 1, options: MSS_1460 });
    for (let n = 0; n <= f.length; n++) expect(summarizePacket(f.subarray(0, n))).to.be.a('string');
    expect(summarizePacket(new Uint8Array(14))).to.equal('ethertype 0x0000');
  });
});

describe('report/ladder', () => {
  const rows = [
    { dir: 'sent' as const, summary: 'S seq=1000 win=64240', tMs: 1000 },
    { dir: 'received' as const, summary: 'SA seq=77 ack=1001', tMs: 1000.211, mark: 'ok' as const },
    { dir: 'received' as const, summary: 'R seq=78 ' + 'x'.repeat(200), tMs: 1012.5, mark: 'unexpected' as const },
    { dir: 'received' as const, summary: 'A ack=78', tMs: NaN, mark: 'missing' as const },
  ];
  const text = renderLadder(rows, 72);
  const lines = text.trimEnd().split('\n');

  it('draws peer on the left, DUT on the right, arrows by direction', () => {
    expect(lines[0].trim()).to.match(/^peer\s+DUT$/);
    // times are relative to the first packet and right-aligned
    expect(lines[1]).to.match(/^ \+0\.000ms {2}│ ──S seq=1000 win=64240─+▶ │$/);
    expect(lines[2]).to.match(/^ \+0\.211ms {2}│ ◀──SA seq=77 ack=1001─+ │ ✓$/);
    expect(lines[3]).to.match(/^\+12\.500ms {2}│ ◀──R seq=78 x+…── │ ✗ unexpected$/);
    expect(lines[4]).to.match(/^ {9} {2}│ ◁┄┄A ack=78┄+ │ \? missing$/);
  });

  it('keeps the rails aligned and the width', () => {
    const rails = lines.slice(1).map((l) => [Array.from(l).indexOf('│'), Array.from(l).lastIndexOf('│')]);
    expect(new Set(rails.map((r) => r.join(','))).size).to.equal(1);
    const [, right] = rails[0];
    expect(right + 1 + cps(' ✗ unexpected')).to.equal(72);
    expect(cps(lines[0])).to.equal(right + 1); // "DUT" ends on the right rail
  });

  it('says so when there are no packets', () => {
    expect(renderLadder([], 60)).to.include('(no packets)');
  });
});

describe('report/diff-text', () => {
  const run = fixtureRun();

  it('gives passing and skipped cases one line', () => {
    expect(formatCaseFailure(run.cases[0])).to.equal('PASS cases/basic/syn.yaml#plain SYN gets SYN-ACK@ipv4 (13 ms)\n');
    expect(formatCaseFailure(run.cases[3])).to.equal(
      'SKIP cases/cookies/overflow.yaml#needs CONFIG_TCP_AO@ipv4: kernel lacks TCP-AO # not built ⏎ second line\n',
    );
  });

  it('shows expected next to observed, the reasons, unexpected packets and the ladder', () => {
    const t = formatCaseFailure(run.cases[1]);
    const lines = t.split('\n');
    const hdr = lines.findIndex((l) => /^ {4}field +expected +observed$/.test(l));
    expect(hdr).to.be.greaterThan(0);
    const col = lines[hdr].indexOf('expected');
    expect(lines[hdr + 1].indexOf('SA')).to.equal(col);
    expect(lines[hdr + 2].indexOf('1001')).to.equal(col);
    expect(lines[hdr + 3]).to.equal('    model: tcp_conn_request: queue not full → SYN-ACK');
    expect(t).to.include('unexpected packets (1):\n    +1.500ms DUT→peer [2001:db8::1]:40000 > [2001:db8::2]:80 R seq=1 win=64240');
    expect(t).to.include('  ladder:\n');
    // no raw control characters: a name cannot drive the terminal
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(t)).to.equal(false);
    expect(t).to.include('\\x1b[0m\\x09tab');
  });

  it('an expect: model step shows the packets it stood for, in the text and in summary.json', () => {
    const base = fixtureRun().cases[1];
    const stood = 'SA seq=* ack=1001 win=65160 [mss 1460] tos=0x00 ttl=64 df id=0 on flow a';
    const c = {
      ...base,
      steps: [
        { index: 1, kind: 'expect', ok: false, message: 'expect: model, flow a: missing packet', expected: [stood], reasons: ['tcp_conn_request: SYN-ACK'] },
        { index: 3, kind: 'expect', ok: false, message: 'expect: model, flow a: unexpected packet 1', expected: [] },
      ],
    };
    const t = formatCaseFailure(c);
    expect(t).to.include(`  step 2 `);
    expect(t).to.include(`    expected (model): ${stood}\n    model: tcp_conn_request: SYN-ACK\n`);
    expect(t).to.include('    expected (model): nothing\n');
    const steps = JSON.parse(toSummaryJson({ ...fixtureRun(), cases: [c] })).cases[0].steps;
    expect(steps.map((x: { expected?: string[] }) => x.expected)).to.deep.equal([[stood], []]);
  });

  it('turns failed expectations without diffs into missing placeholders', () => {
    const rows = ladderPackets(run.cases[1]);
    expect(rows.map((r) => r.mark ?? null)).to.deep.equal([null, null, 'unexpected', 'missing']);
    expect(rows[3].summary).to.equal('no ACK of our data within 200 ms');
    expect(rows[1].tMs).to.be.closeTo(0.39, 1e-9);
  });
});

describe('report/summary', () => {
  const run = fixtureRun();
  const json = toSummaryJson(run, { pcapPaths: new Map([[run.cases[1].id, 'pcap/x.pcapng']]) });
  const s = JSON.parse(json);

  it('is JSON with totals and per-case details', () => {
    expect(json.endsWith('}\n')).to.equal(true);
    expect(s).to.include({ schema: 'synharness-summary/2', runId: run.runId, kernel: run.kernel, seed: 42, jobs: 4 });
    expect(s.totals).to.deep.equal({ total: 5, pass: 2, fail: 1, error: 1, skip: 1 });
    const c = s.cases[1];
    expect(c).to.include({ id: run.cases[1].id, status: 'fail', kernel: '6.18.44-fc-v657', modelProfile: 'linux-6.18', pcap: 'pcap/x.pcapng' });
    expect(c.sysctls).to.deep.equal(run.cases[1].sysctls);
    expect(c.diffs).to.deep.equal([
      { step: 2, field: 'tcp.flags', expected: 'SA', observed: 'RA', reason: 'listener present' },
      { step: 2, field: 'tcp.ack', expected: '1001', observed: '0' },
    ]);
    expect(s.cases[0].pcap).to.equal(undefined);
  });

  it('keeps packets exact: ns timestamps as strings, hex bytes, comments', () => {
    const c = s.cases[1];
    expect(c.packets.map((p: { tsNs: string }) => BigInt(p.tsNs))).to.deep.equal(run.cases[1].packets.map((p) => p.tsNs));
    expect(c.packets.map((p: { hex: string }) => Buffer.from(p.hex, 'hex'))).to.deep.equal(run.cases[1].packets.map((p) => Buffer.from(p.bytes)));
    expect(c.packets.map((p: { comment: string }) => p.comment)).to.deep.equal(run.cases[1].packets.map((p) => p.comment));
    expect(c.packets.map((p: { unexpected: boolean }) => p.unexpected)).to.deep.equal([false, false, true]);
    expect(c.packets[2].tRelMs).to.equal(1.5);
    expect(toSummary(run).cases[2].packets).to.deep.equal([]);
  });
});
