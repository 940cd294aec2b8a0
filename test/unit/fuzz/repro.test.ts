// Repro cases parse back with the case loader, and say exactly what the probe sends: every send
// step, evaluated with the run's bindings, gives the same bytes as the probe resolved directly.
import { expect } from 'chai';
import { join } from 'path';
import { parse as parseYaml } from 'yaml';
import { evalValue } from '../../../lib/case/expr';
import { resolveSendOptions } from '../../../lib/case/options';
import { parseCaseText } from '../../../lib/case/parse';
import type { ExprBase, SendStep } from '../../../lib/case/types';
import { loadCampaignFile } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import type { Probe, ProbeBindings, Target } from '../../../lib/fuzz/probe';
import { bindingsFor, probePacketSpec } from '../../../lib/fuzz/probe';
import { ReproFinding, reproCaseYaml } from '../../../lib/fuzz/repro';
import { bytesEqual } from '../../../lib/wire/bytes';
import { emitOptions } from '../../../lib/wire/tcp-options';

const DIR = join(__dirname, '../../../cases/campaigns');
const FILES: Record<Target, string> = {
  listener: 'listener-syn-flood-mix.yaml',
  request: 'request-third-packet.yaml',
  synsent: 'synsent-synack.yaml',
  established: 'established-stray.yaml',
  timewait: 'timewait.yaml',
};

function finding(p: Probe, b: Partial<ProbeBindings> = { dutWindow: 65160, dutTsval: 424242 }): ReproFinding {
  return {
    probe: p,
    signature: `${p.target}|check_req.oow-ack|ack,options.ts`,
    diffs: ['step 4 ack: model 1001, kernel 1002', { field: 'tsecr', model: 5, kernel: 6 }],
    reasons: [{ rule: 'check_req.oow-ack', text: 'out of window: stateless ACK' }, 'tcp_check_req: req kept'],
    kernel: '6.18.44-fc-v657',
    sysctls: { 'net.ipv4.tcp_syncookies': 2 },
    bindings: b,
    listen: { port: 8080, backlog: 64 },
    campaign: { name: 'camp', seed: 1 },
  };
}

describe('fuzz repro cases', function () {
  this.timeout(60_000);

  it('parse back with the case loader, setup and expectations as the probe needs them', () => {
    const shapes: Record<Target, string[]> = {
      listener: ['send', 'expect'],
      request: ['send', 'expect', 'send', 'expect'],
      synsent: ['expect', 'send', 'expect'],
      established: ['send', 'expect', 'send', 'send', 'expect'],
      timewait: ['send', 'expect', 'send', 'call', 'call', 'expect', 'send', 'expect', 'send', 'expect'],
    };
    for (const t of Object.keys(FILES) as Target[]) {
      const c = loadCampaignFile(join(DIR, FILES[t]));
      // (without the campaign's socket calls: calls.test.ts covers those)
      const p = { ...probeAt(c, 3), before: undefined, after: undefined };
      const cf = parseCaseText(reproCaseYaml(finding(p)), 'r.yaml');
      expect(
        cf.steps.map((s) => s.kind),
        t,
      ).to.deep.equal(shapes[t]);
      for (const s of cf.steps) if (s.kind === 'expect') expect(s.byModel).to.equal(true);
      expect(cf.flows).to.deep.equal([{ name: 'a', sport: p.sport, isn: p.peerIsn }]);
      expect(cf.families).to.deep.equal([p.ip]);
      expect(cf.kernel.text).to.equal('6.18');
      expect(cf.sysctls).to.deep.equal([{ name: 'net.ipv4.tcp_syncookies', value: 2 }]);
      expect(cf.setup.kind).to.equal(t === 'synsent' ? 'connect' : 'listen');
      if (cf.setup.kind === 'connect') expect(cf.setup.port).to.equal(p.sport);
      else expect(cf.setup).to.include({ port: 8080, backlog: 64 });
      expect(cf.name).to.match(new RegExp(`^fuzz-${t}-check-req-oow-ack-[0-9a-f]{10}$`));
    }
  });

  it('carries a comment header with the signature, the diffs and the reasons', () => {
    const c = loadCampaignFile(join(DIR, FILES.request));
    const text = reproCaseYaml({ ...finding(probeAt(c, 0)), original: { index: 77, kind: 'tsecr' } });
    const header = text
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n');
    expect(header).to.contain('# signature: request|check_req.oow-ack|ack,options.ts');
    expect(header).to.contain('step 4 ack: model 1001, kernel 1002');
    expect(header).to.contain('{"field":"tsecr","model":5,"kernel":6}');
    expect(header).to.contain('check_req.oow-ack: out of window: stateless ACK');
    expect(header).to.contain('kernel: 6.18.44-fc-v657');
    expect(header).to.contain('index 77 (kind tsecr), minimized');
    expect(parseYaml(text).name).to.match(/^fuzz-request-/);
  });

  it('every send step evaluates to exactly the probe packet (300 probes per target)', () => {
    for (const t of Object.keys(FILES) as Target[]) {
      const c = loadCampaignFile(join(DIR, FILES[t]));
      for (let i = 0; i < 300; i++) {
        const p = probeAt(c, i);
        if (p.mutated.mistakes.ipLayer) {
          expect(() => reproCaseYaml(finding(p))).to.throw(/cannot send the probe's IP-layer mistake/);
          continue;
        }
        if (p.mutated.icmp) {
          expect(() => reproCaseYaml(finding(p))).to.throw(/ICMP probe .* not written as a case yet: replay the finding JSON/);
          continue;
        }
        // half the time the DUT sent no TS (e.g. tcp_timestamps=0): TS values relative to it become numbers
        const captured = { dutIsn: 0xfffffff7, dutWindow: 65160, dutTsval: i % 2 ? 424242 : undefined };
        const cf = parseCaseText(reproCaseYaml(finding(p, captured)), `r${i}.yaml`);
        const b: ProbeBindings = bindingsFor(p, captured);
        const lookup = (base: ExprBase): number | undefined =>
          base === 'peer.isn' ? p.peerIsn : base === 'dut.isn' ? b.dutIsn : base === 'peer.tsval' ? p.peerTsval : b.dutTsval;
        const sends = cf.steps.filter((s): s is SendStep => s.kind === 'send');
        const again = (p.after ?? []).filter((x) => x === 'again').map(() => p.mutated);
        const packets = [...p.setup.flatMap((s) => (s.kind === 'send' ? [s.packet] : [])), p.mutated, ...again];
        expect(sends.length).to.equal(packets.length);
        sends.forEach((s, k) => {
          const want = probePacketSpec(p, packets[k], b, { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 });
          const where = `${t} probe ${i} send ${k}`;
          expect(evalValue(s.seq, lookup), `${where} seq`).to.equal(want.seq);
          expect(evalValue(s.ack, lookup), `${where} ack`).to.equal(want.ack);
          expect(s.flags, where).to.equal(want.flags);
          expect(s.window, where).to.equal(want.window);
          expect(s.urg, where).to.equal(want.urg);
          expect(s.tos, where).to.equal(want.tos);
          expect(bytesEqual(s.payload, want.payload!), where).to.equal(true);
          const opts = resolveSendOptions(s.options, lookup as never, () => undefined);
          expect(bytesEqual(emitOptions(opts), emitOptions(want.options!)), `${where} options`).to.equal(true);
          const m = packets[k].mistakes;
          expect(s.mistakes.tcpChecksum, where).to.equal(m.tcpChecksum);
          expect(s.mistakes.dataOffset, where).to.equal(m.dataOffset);
          expect(s.mistakes.reservedBits, where).to.equal(m.reservedBits);
        });
      }
    }
  });

  it('folds the DUT window into the offset, and needs it to', () => {
    const c = loadCampaignFile(join(DIR, FILES.request));
    const base = probeAt(c, 0);
    const p: Probe = { ...base, mutated: { ...base.mutated, seq: { base: 'peer.isn', offset: 2, win: true } } };
    const text = reproCaseYaml(finding(p, { dutWindow: 65160, dutTsval: 1 }));
    expect(text).to.contain('seq: peer.isn+65162');
    expect(() => reproCaseYaml(finding(p, { dutTsval: 1 }))).to.throw(/dutWindow/);
  });

  it('writes values relative to unbound bases as numbers', () => {
    const c = loadCampaignFile(join(DIR, FILES.synsent));
    const base = probeAt(c, 0);
    const p: Probe = {
      ...base,
      peerTsval: 1000,
      mutated: { ...base.mutated, options: [{ kind: 'ts', val: { base: 'peer.tsval', offset: -1 }, ecr: { base: 'dut.tsval', offset: 1 } }] },
    };
    // the peer sent no TS before (synsent): peer.tsval is written as a number
    expect(reproCaseYaml(finding(p, { dutWindow: 1, dutTsval: 50 }))).to.contain('ts=999:dut.tsval+1');
    // the DUT sent no TS: dut.tsval counts as 0, as in probePacketSpec
    expect(reproCaseYaml(finding(p, { dutWindow: 1 }))).to.contain('ts=999:1');
  });
});
