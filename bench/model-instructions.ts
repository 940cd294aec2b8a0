// Model cost in instructions per prediction: a figure that does not move with the machine's mood
// (bench/model.ts gives time, which on a shared or virtual machine varies up to 2× between runs).
// Counts the instructions of the model's hot loop under valgrind (cachegrind, no cache simulation)
// with V8 in --predictable mode (no background compiler or GC threads, so every run of the same code
// counts the same), for N1 and N2 predictions after warm-up; (Ir(N2) − Ir(N1)) / (N2 − N1) is the
// steady-state cost of one prediction, JIT and GC work included. Workloads as in bench/model.ts: the
// fresh-listener SYN → SYN-ACK, and the listener fuzz campaign's mix. Needs valgrind; ~2 min.
// Prints figures only; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/model-instructions.ts [N1 N2]
import { spawnSync } from 'child_process';
import * as path from 'path';
import { compiledMirror } from '../harness/compiled-mirror';

const N1 = Number(process.argv[2] ?? 100_000);
const N2 = Number(process.argv[3] ?? 300_000);

// The driver runs as plain JavaScript from the transpiled mirror (no ts-node under valgrind).
const DRIVER = `
const [root, campaign, name, N] = process.argv.slice(1);
const m = require(root + '/lib/model');
const { decodeIp } = require(root + '/lib/wire/decode');
const { buildIp } = require(root + '/lib/wire/build');
let ws;
if (name === 'mix') {
  const c = require(root + '/lib/fuzz/campaign-load').loadCampaignFile(campaign);
  const { probeAt } = require(root + '/lib/fuzz/generate');
  const { bindingsFor, probePacketSpec } = require(root + '/lib/fuzz/probe');
  ws = [];
  for (const profile of c.profiles) for (const ip of [4, 6]) {
    const ends = ip === 4 ? { src: '198.18.0.2', dst: '198.18.0.1', dport: c.listen.port } : { src: '2001:2::2', dst: '2001:2::1', dport: c.listen.port };
    const env = m.makeEnv({ ip, dut: ends.dst, peer: ends.src, sysctls: profile.sysctls });
    const segs = [];
    for (let i = 0; segs.length < 512; i++) {
      const p = probeAt(c, i);
      if (p.ip === ip && p.profile === profile.name) segs.push(decodeIp(buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), ends))));
    }
    ws.push({ env, state: m.apply(env, m.initialState(env), { type: 'listen', port: c.listen.port, backlog: c.listen.backlog }, 0).state, segs });
  }
} else {
  const env = m.makeEnv({ ip: 4, dut: '10.0.0.1', peer: '10.0.0.2' });
  const segs = [];
  for (let i = 0; i < 4096; i++) segs.push(decodeIp(buildIp({ ip: 4, src: '10.0.0.2', dst: '10.0.0.1', sport: 20000 + i, dport: 80,
    seq: 1000 + i * 7919, flags: 'S', options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 100 + i, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }] })));
  ws = [{ env, state: m.apply(env, m.initialState(env), { type: 'listen', port: 80, backlog: 128 }, 0).state, segs }];
}
let n = 0, sink = 0;
outer: for (;;) for (const w of ws) for (let i = 0; i < w.segs.length; i++) {
  if (n++ >= Number(N)) break outer;
  sink += m.apply(w.env, w.state, { type: 'segment', seg: w.segs[i] }, 1000 + i).responses.length;
}
if (sink < 0) console.log(sink);
`;

function instructions(root: string, campaign: string, name: string, n: number): number {
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, '--predictable', '-e', DRIVER, root, campaign, name, String(n)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (r.error) throw new Error(`valgrind: ${r.error.message} — install it (apt-get install valgrind) to count instructions`);
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`valgrind run failed (exit ${r.status}): ${r.stderr.slice(-600)}`);
  return Number(m[1].replace(/,/g, ''));
}

function main(): void {
  const root = compiledMirror();
  const campaign = path.join(__dirname, '..', 'cases', 'campaigns', 'listener-syn-flood-mix.yaml');
  for (const [name, label] of [['syn', 'fresh listener + SYN (MSS,SACK,TS,WS) → SYN-ACK'], ['mix', 'fresh listener + campaign mix (listener-syn-flood-mix, all profiles, IPv4+IPv6)']]) {
    const a = instructions(root, campaign, name, N1);
    const b = instructions(root, campaign, name, N2);
    console.log(`model: ${label}: ${Math.round((b - a) / (N2 - N1)).toLocaleString('en-US')} instructions per prediction (valgrind, node --predictable, predictions ${N1.toLocaleString('en-US')}→${N2.toLocaleString('en-US')})`);
  }
}

main();
