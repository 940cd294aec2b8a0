// The probe sequence is part of a campaign's identity: a checkpoint written by one version resumes
// under the next, and a finding's index replays the same probe. These digests were taken from the
// generator before its speed work; any change to what probeAt(campaign, i) returns — a different
// PRNG draw order, a different packet — changes them.
import { expect } from 'chai';
import { createHash } from 'crypto';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { probeAt } from '../../../lib/fuzz/generate';
import { bindingsFor, probePacketSpec, probeToJson } from '../../../lib/fuzz/probe';
import { buildIp } from '../../../lib/wire/build';

const LISTENER = `
name: golden-listener
seed: 20261121
budget: { probes: 1000000 }
target: listener
ip: both
rotate_every: 700
profiles:
  - name: a
  - name: b
    sysctls: { net.ipv4.tcp_syncookies: 2 }
listen: { port: 8080, backlog: 4096 }
generator:
  kinds: { syn: 55, syn_opts: 20, ack: 5, cookie_ack: 5, rst: 4, fin: 4, no_flags: 2, data: 2, flags: 3 }
  ports: [10000, 59999]
  flags: { extra: 0.1, reserved: 0.02 }
  window: { values: [0, 1, 536, 1024, 8192, 29200, 64240, 65535], random: 0.2 }
  options:
    count: [0, 9]
    weights: { mss: 5, wscale: 4, sackOK: 4, ts: 4, nop: 4, eol: 1, tfo: 1, tfoexp: 0.5, sack: 1, unknown: 1, md5: 0.05 }
    mss: [0, 1, 48, 88, 535, 536, 1220, 1299, 1300, 1439, 1440, 1460, 8960, 65535]
    mss_random: 0.2
    wscale: [0, 14]
    wscale_invalid: 0.2
    malformed: 0.25
    mutators: { ws_len4: 2, ts_len9: 2, ts_len11: 1, sackok_len3: 2, mss_len3: 1, mss_len5: 1, silly_len: 2, past_end: 2, lone_kind: 1, after_eol: 1, duplicate: 2, tfo_odd: 1, md5_len: 0.5, unknown_kind: 2, zero_len_tlv: 1 }
  payload: { p: 0.08, max: 32 }
  tos: { p: 0.3 }
  mistakes: { bad_checksum: 0.003, ip_checksum: 0.001, data_offset: 0.003 }
`;

const plain = (target: string, extra = ''): string => `
name: golden-${target}
seed: 77
budget: { probes: 1000000 }
target: ${target}
ip: both
profiles:
  - name: a
${extra}`;

const CAMPAIGNS: Record<string, string> = {
  listener: LISTENER,
  'listener-defaults': plain('listener', 'listen: { port: 8080 }'),
  request: plain('request', 'listen: { port: 8080 }'),
  synsent: plain('synsent', 'connect: { port: 40000 }'),
  established: plain('established', 'listen: { port: 8080 }'),
  'established-active': plain('established', 'connect: { port: 40000 }\ngenerator: { via: active }'),
};

const BIND = { dutIsn: 0x12345678, dutTsval: 0xfffffff0, dutWindow: 65160 };

/** SHA-256 over probes [from, from + n): their JSON form and their mutated packet's bytes. */
function sequenceDigest(text: string, from: number, n: number): string {
  const c = parseCampaignText(text, 'golden.yaml');
  const h = createHash('sha256');
  for (let i = from; i < from + n; i++) {
    const p = probeAt(c, i);
    h.update(JSON.stringify(probeToJson(p)));
    const ends = p.ip === 4 ? { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 } : { src: '2001:2::2', dst: '2001:2::1', dport: 8080 };
    h.update(buildIp(probePacketSpec(p, p.mutated, bindingsFor(p, BIND), ends)));
  }
  return h.digest('hex').slice(0, 32);
}

const GOLDEN: Record<string, string> = {
  listener: 'c4fad51fd07d130d7766126c1d1c77c1 40da34c0ab9b83afa460c06c89486ca9',
  'listener-defaults': '97862733d146e3a3eb633d1961995e8e 98c82eeb43545ac9ba61de29f53f6582',
  // request: changed twice on purpose — a third packet after a setup SYN without TS keeps TSecr 0 (C26),
  // in every TS option it carries, not only the first (a probe with two: the kernel reads the last)
  request: 'e8d2c044910f53df7817b46eeade9c96 ccef24ca6881ee3d3a577a0a3d5e4837',
  synsent: '81bacd7dad45f76506004d67c7e435ec 8d7c8852baa2523cfa709851aa7f4aaa',
  // established: changed once on purpose — a quarter of ts_paws aims at tcp_disordered_ack (issue 16)
  established: '1c22b7faa61e3bb96078203c05b7ed03 925f77fb69f6eba37a5eacacbd95018d',
  'established-active': 'dbcbc624851b4b61b5c4ed69ebcd3c60 61be5b725ee28ecac5bf3938878cb9b4',
};

describe('fuzz generation: the probe sequence is fixed', () => {
  for (const [name, text] of Object.entries(CAMPAIGNS)) {
    it(`${name}: probes 0..3999 and 1,000,000..1,000,999 are what they always were`, () => {
      expect(`${sequenceDigest(text, 0, 4000)} ${sequenceDigest(text, 1_000_000, 1000)}`).to.equal(GOLDEN[name]);
    });
  }
});
