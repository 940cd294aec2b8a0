import { expect } from 'chai';
import { basename, join } from 'path';
import { readFileSync } from 'fs';
import { discoverCaseFiles } from '../../../lib/case/discover';
import { loadCaseFile, loadCaseFiles } from '../../../lib/case/load';
import type { ExpectStep, SendStep, CallStep, AssertStep, ExpectNoneStep } from '../../../lib/case/types';
import { ACK, ECE, CWR, RST, SYN } from '../../../lib/wire/types';

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLES = join(ROOT, 'cases', 'examples');

describe('case/examples', () => {
  const files = discoverCaseFiles([EXAMPLES]);

  it('there are at least 8 examples, each named after its file', () => {
    expect(files.length).to.be.at.least(8);
    for (const f of files) expect(loadCaseFile(f).name).to.equal(basename(f, '.yaml'));
  });

  it('every example loads, and together they have unique names', () => {
    const cases = loadCaseFiles(files);
    expect(cases.map((c) => c.name)).to.have.lengthOf(new Set(cases.map((c) => c.name)).size);
  });

  it('every example carries the yaml-language-server schema hint on its first line', () => {
    for (const f of files) expect(readFileSync(f, 'utf8').split('\n')[0]).to.equal('# yaml-language-server: $schema=../case.schema.json');
  });

  it('together they use every step kind, call op, setup kind and family choice', () => {
    const cases = loadCaseFiles(files);
    const steps = cases.flatMap((c) => c.steps);
    expect(new Set(steps.map((s) => s.kind))).to.have.all.keys('send', 'expect', 'expect_none', 'call', 'wait', 'assert');
    const ops = new Set(steps.filter((s): s is CallStep => s.kind === 'call').map((s) => s.op));
    expect(ops).to.have.all.keys('accept', 'connect', 'close', 'shutdown', 'send', 'recv', 'setsockopt', 'getsockopt', 'listen');
    expect(new Set(cases.map((c) => c.setup.kind))).to.have.all.keys('listen', 'connect', 'closed');
    expect(new Set(cases.map((c) => c.families.join('+')))).to.have.all.keys('4', '6', '4+6');
    const sends = steps.filter((s): s is SendStep => s.kind === 'send');
    const mistakes = new Set(sends.flatMap((s) => Object.keys(s.mistakes)));
    expect(mistakes).to.have.all.keys('tcpChecksum', 'ipChecksum', 'dataOffset', 'ipTotalLength', 'reservedBits');
    const patterns = steps.filter((s): s is ExpectStep => s.kind === 'expect').flatMap((s) => s.packets);
    for (const k of [
      'flags',
      'seq',
      'ack',
      'window',
      'urg',
      'len',
      'payload',
      'options',
      'tsval',
      'tsecr',
      'ttl',
      'tos',
      'ecn',
      'df',
      'id',
      'flowlabel',
      'at',
      'label',
    ] as const) {
      if (k === 'tsval') continue; // covered through same: …tsval
      expect(
        patterns.some((p) => p[k] !== undefined),
        `some pattern uses ${k}`,
      ).to.equal(true);
    }
    expect(steps.some((s) => s.kind === 'expect' && s.byModel)).to.equal(true);
    expect(patterns.some((p) => p.model)).to.equal(true);
    expect(patterns.some((p) => p.seq?.kind === 'same')).to.equal(true);
    expect(patterns.some((p) => p.flowlabel?.kind === 'range')).to.equal(true);
    expect(patterns.some((p) => p.flags?.kind === 'mask')).to.equal(true);
    expect(patterns.some((p) => p.options?.kind === 'some')).to.equal(true);
    expect(steps.some((s) => s.kind === 'expect_none' && (s as ExpectNoneStep).flow === undefined)).to.equal(true);
    expect(steps.some((s) => s.note !== undefined)).to.equal(true);
  });

  it('full-options-synack-layout normalises as written, defaults filled', () => {
    const c = loadCaseFile(join(EXAMPLES, 'full-options-synack-layout.yaml'));
    expect(c.spec).to.deep.equal(['§5.3', '§4.7', '§4.8', '§4.6', '§6']);
    expect(c.kernel).to.deep.equal({ text: '*', anyOf: [] });
    expect(c.families).to.deep.equal([4]);
    expect(c.sysctls).to.deep.equal([{ name: 'net.ipv4.tcp_rmem', value: '4096 131072 33554432' }]);
    expect(c.setup).to.deep.equal({ kind: 'listen', port: 8080, backlog: 16, sockopts: [] });
    expect(c.flows).to.deep.equal([{ name: 'a', sport: 40000, isn: 1000 }]);

    const syn = c.steps[0] as SendStep;
    expect(syn).to.deep.include({ kind: 'send', index: 0, flow: 'a', flags: SYN, ack: 0, window: 65535, urg: 0, tos: 0, ttl: 64 });
    expect(syn.pos).to.deep.equal({ line: 13, column: 5 });
    expect(syn.seq).to.deep.equal({ base: 'peer.isn', offset: 0, flow: 'a', text: 'peer.isn' });
    expect(syn.options).to.deep.equal([
      { kind: 'mss', value: 1460 },
      { kind: 'sackOK' },
      { kind: 'ts', val: 100, ecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ]);
    expect(syn.payload).to.have.lengthOf(0);
    expect(syn.mistakes).to.deep.equal({});

    const sa = c.steps[1] as ExpectStep;
    expect(sa.byModel).to.equal(false);
    expect(sa.packets).to.have.lengthOf(1);
    const p = sa.packets[0];
    expect(p).to.deep.include({ flow: 'a', label: 'synack', model: true, df: true, within: 200 });
    expect(p.pos).to.deep.equal({ line: 15, column: 7 });
    expect(p.flags).to.deep.equal({ kind: 'exact', flags: SYN | ACK, text: 'SA' });
    expect(p.seq).to.deep.equal({ kind: 'value', value: { base: 'dut.isn', offset: 0, flow: 'a', text: 'dut.isn' }, text: 'dut.isn' });
    expect(p.ack).to.deep.equal({ kind: 'value', value: { base: 'peer.isn', offset: 1, flow: 'a', text: 'peer.isn+1' }, text: 'peer.isn+1' });
    expect(p.window).to.deep.equal({ kind: 'value', value: 65160, text: '65160' });
    expect(p.id).to.deep.equal({ kind: 'value', value: 0, text: '0' });
    expect(p.options?.kind).to.equal('exact');
    const items = p.options?.kind === 'exact' ? p.options.items : [];
    expect(items.map((o) => o.text)).to.deep.equal(['mss=1460', 'sackOK', 'ts=*:100', 'nop', 'wscale=10']);
    expect(items[2]).to.deep.equal({ kind: 'ts', val: { kind: 'any', text: '*' }, ecr: { kind: 'value', value: 100, text: '100' }, text: 'ts=*:100' });

    const ack = c.steps[2] as SendStep;
    expect(ack.flags).to.equal(ACK);
    expect(ack.seq).to.deep.equal({ base: 'peer.isn', offset: 1, flow: 'a', text: 'peer.isn+1' });
    expect(ack.ack).to.deep.equal({ base: 'dut.isn', offset: 1, flow: 'a', text: 'dut.isn+1' });
    expect(ack.options[2]).to.deep.equal({ kind: 'ts', val: 101, ecr: { base: 'dut.tsval', offset: 0, flow: 'a', text: 'dut.tsval' } });

    expect(c.steps[3]).to.deep.include({ kind: 'expect_none', ms: 300 });
    expect(c.steps[4]).to.deep.include({ kind: 'call', op: 'accept', on: 'listener', timeout: 0, expect: { ok: true } });
    const a = c.steps[5] as AssertStep;
    expect(a.acceptq).to.deep.equal({ op: '=', value: 0, text: '0' });
    expect(a.states).to.deep.equal([{ flow: 'a', is: 'ESTABLISHED' }]);
  });

  it('closed-port-rst runs for both families and keeps its literal numbers', () => {
    const c = loadCaseFile(join(EXAMPLES, 'closed-port-rst.yaml'));
    expect(c.families).to.deep.equal([4, 6]);
    expect(c.setup).to.deep.equal({ kind: 'closed', port: 8081 });
    expect(c.steps[1]).to.deep.include({ kind: 'expect', byModel: true, packets: [], note: 'the model predicts RA seq 0 ack 101' });
    const rst = (c.steps[3] as ExpectStep).packets[0];
    expect(rst.flags).to.deep.equal({ kind: 'exact', flags: RST | ACK, text: 'RA' });
    expect(rst.options).to.deep.equal({ kind: 'exact', items: [] });
    expect(rst.within).to.equal(1000);
    const data = c.steps[4] as SendStep;
    expect(Array.from(data.payload)).to.deep.equal(new Array(10).fill(0));
    const hlim = c.steps[6] as SendStep;
    expect(hlim).to.deep.include({ flags: ACK, seq: 5, ack: 777, ttl: 3 });
    expect(Buffer.from((c.steps[16] as SendStep).payload).toString()).to.equal('abc');
    expect((c.steps[20] as SendStep).mistakes).to.deep.equal({ tcpChecksum: 'bad' });
  });

  it('ecn-synack sets the ECN bits of tos and the reserved bits', () => {
    const c = loadCaseFile(join(EXAMPLES, 'ecn-synack.yaml'));
    const ect = c.steps[2] as SendStep;
    expect(ect).to.deep.include({ flow: 'ect', flags: SYN | ECE | CWR, tos: 2 });
    expect((c.steps[6] as SendStep).mistakes).to.deep.equal({ reservedBits: 4 });
    expect((c.steps[3] as ExpectStep).packets[0].flags).to.deep.equal({ kind: 'mask', has: SYN | ACK, lacks: ECE, text: '{ has: SA, lacks: E }' });
    expect((c.steps[1] as ExpectStep).packets[0].ecn).to.equal(0);
  });

  it('synack-retransmit-schedule turns at: into windows and resolves same: to packets', () => {
    const c = loadCaseFile(join(EXAMPLES, 'synack-retransmit-schedule.yaml'));
    const e = c.steps[1] as ExpectStep;
    expect(e.packets.map((p) => p.at && [p.at.min, p.at.max])).to.deep.equal([undefined, [700, 1300], [2600, 3400], [6300, 7700]]);
    expect(e.packets.map((p) => p.within)).to.deep.equal([200, undefined, undefined, undefined]);
    expect(e.packets[3].seq).to.deep.equal({ kind: 'same', ref: { step: 1, packet: 0, label: 'first', text: 'first' }, field: 'seq', text: 'first.seq' });
    expect(c.steps).to.have.length(2);
  });

  it('tfo-cookie resolves tfo=@cookie to the labelled SYN-ACK', () => {
    const c = loadCaseFile(join(EXAMPLES, 'tfo-cookie.yaml'));
    const syn = c.steps[4] as SendStep;
    expect(syn.options[1]).to.deep.equal({ kind: 'tfo', cookie: { from: { step: 1, packet: 0, label: 'cookie', text: 'cookie' } } });
    expect(Buffer.from(syn.payload).toString()).to.equal('hello');
    expect(c.setup).to.deep.equal({ kind: 'listen', port: 8080, backlog: 128, sockopts: [{ name: 'TCP_FASTOPEN', value: 16 }] });
    const recv = c.steps[7] as CallStep;
    expect(recv).to.deep.include({ op: 'recv', on: 'conn', len: 65536, timeout: 0 });
    expect(Buffer.from(recv.expect.data!).toString()).to.equal('hello');
    expect(recv.expect.ret).to.deep.equal({ op: '=', value: 5, text: '5' });
  });

  it('active-open: one flow on the connect port, the DUT SYN binds dut.isn', () => {
    const c = loadCaseFile(join(EXAMPLES, 'active-open.yaml'));
    expect(c.setup).to.deep.equal({ kind: 'connect', port: 9000, sockopts: [] });
    expect(c.flows).to.deep.equal([{ name: 'a', sport: 9000, isn: 1000 }]);
    const sa = c.steps[1] as SendStep;
    expect(sa.seq).to.deep.equal({ base: 'peer.isn', offset: 0, flow: 'a', text: 'peer.isn' });
    expect(sa.ack).to.deep.equal({ base: 'dut.isn', offset: 1, flow: 'a', text: 'dut.isn+1' });
    expect(sa.window).to.equal(29200);
    expect(c.steps.find((s) => s.kind === 'call' && s.op === 'shutdown')).to.deep.include({ on: 'conn', how: 'wr' });
  });
});
