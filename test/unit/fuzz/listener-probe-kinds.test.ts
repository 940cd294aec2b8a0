// Listener probes with an IP-layer mistake (generator mistakes.ip_layer) or a valid Fast Open cookie (kind tfo_valid): each builds a packet the
// model sends down the demux rule it names (the kernel's answers were checked by the listener
// campaign on 6.18.44: 20,000 probes at ip_layer 0.2, 0 divergences), and the draw happens only in
// campaigns that ask for it.
import { expect } from 'chai';
import { apply } from '../../../lib/model';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { bindingsFor, IP_LAYER_MISTAKES, type IpLayerMistake, type Probe, probePacketSpec } from '../../../lib/fuzz/probe';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { DUT, DUT6, env, listening, PEER, PEER6 } from '../model/helpers';

const RULE: Record<IpLayerMistake, string> = {
  truncated: 'demux.ip-truncated',
  'short-tcp': 'demux.no-tcp',
  fragment: 'demux.fragment',
  broadcast: 'demux.broadcast',
  'not-local': 'demux.not-local',
  'closed-port': 'closed.rst',
};

const LISTENER = `name: l\nseed: 9\nbudget: { probes: 100 }\ntarget: listener\nip: both\nlisten: { port: 80 }\ngenerator:\n  kinds: { syn: 1 }\n`;

describe('fuzz listener probes with IP-layer mistakes', () => {
  for (const ip of [4, 6] as const)
    for (const m of IP_LAYER_MISTAKES) {
      const want = ip === 6 && m === 'fragment' ? 'demux.ip-truncated' : RULE[m];
      it(`IPv${ip} ${m} → ${want}`, () => {
        const c = parseCampaignText(LISTENER, 'l.yaml');
        const p0 = probeAt(c, ip === 4 ? 0 : 1);
        const p: Probe = { ...p0, mutated: { ...p0.mutated, flags: 0x02, options: [], payload: new Uint8Array(0), mistakes: { ipLayer: m } } };
        const e = env({ ip });
        const bytes = buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), { src: ip === 4 ? PEER : PEER6, dst: ip === 4 ? DUT : DUT6, dport: 80 }));
        const r = apply(e, listening(e), { type: 'segment', seg: decodeIp(bytes) }, 1000);
        expect(r.reasons.map((x) => x.rule)).to.include(want);
      });
    }

  it('drawn only when the campaign gives ip_layer; refused on other targets', () => {
    const plain = parseCampaignText(LISTENER, 'l.yaml');
    const withIp = parseCampaignText(LISTENER.replace('kinds: { syn: 1 }', 'kinds: { syn: 1 }\n  mistakes: { ip_layer: 0.5 }'), 'l.yaml');
    let n = 0;
    for (let i = 0; i < 200; i++) {
      expect(probeAt(plain, i).mutated.mistakes.ipLayer).to.equal(undefined);
      if (probeAt(withIp, i).mutated.mistakes.ipLayer) n++;
    }
    expect(n).to.be.within(60, 140);
    const req = `name: r\nseed: 1\nbudget: { probes: 10 }\ntarget: request\ngenerator:\n  mistakes: { ip_layer: 0.1 }\n`;
    expect(() => parseCampaignText(req, 'r.yaml')).to.throw(/ip_layer applies to target listener only/);
  });
});

describe('fuzz listener probes with a valid Fast Open cookie (kind tfo_valid)', () => {
  const KEYS = '00010203-04050607-08090a0b-0c0d0e0f,10111213-14151617-18191a1b-1c1d1e1f';
  const text = `name: t\nseed: 4\nbudget: { probes: 100 }\ntarget: listener\nip: both\nlisten: { port: 80 }\nprofiles:\n  - name: k\n    sysctls: { net.ipv4.tcp_fastopen: 1027, net.ipv4.tcp_fastopen_key: "${KEYS}" }\ngenerator:\n  kinds: { tfo_valid: 1 }\n  flags: { extra: 0, reserved: 0 }\n`;
  it('the cookie the model accepts under the profile key, primary and backup, both families', () => {
    const c = parseCampaignText(text, 't.yaml');
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const p = probeAt(c, i);
      const e = env({ ip: p.ip, sysctls: { tcp_fastopen: 1027, tcp_fastopen_key: KEYS } });
      const bytes = buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), { src: p.ip === 4 ? PEER : PEER6, dst: p.ip === 4 ? DUT : DUT6, dport: 80 }));
      const rules = apply(e, listening(e), { type: 'segment', seg: decodeIp(bytes) }, 1000).reasons.map((x) => x.rule);
      const r = rules.find((x) => x.startsWith('fastopen.cookie-valid'));
      expect(r, `probe ${i}: ${rules.join(' ')}`).to.not.equal(undefined);
      seen.add(r!);
    }
    expect([...seen].sort()).to.deep.equal(['fastopen.cookie-valid', 'fastopen.cookie-valid-backup']);
  });
});
