// The cost of each stage of a listener fuzz campaign, measured one at a time on this thread, per
// sysctl profile, with the code paths a campaign uses: probe generation (probeAt + building the
// Ethernet frame in place), the engine (BatchEngine: inject + capture; its CPU time is mostly the
// kernel's, the DUT answering inside our send()), and judging (model prediction + the fast
// comparison, the full judge where that cannot prove agreement) on the replies the engine captured.
// Prints µs per probe as this thread's CPU time (user + system, from /proc/thread-self/stat: other
// processes on the machine do not inflate it) and wall time; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/fuzz-stages.ts [probes per profile] [campaign.yaml]
import * as fs from 'fs';
import * as path from 'path';
import { loadCampaignFile } from '../lib/fuzz/campaign-load';
import { probeAt } from '../lib/fuzz/generate';
import { bindingsFor, probePacketSpec } from '../lib/fuzz/probe';
import { macToBytes } from '../lib/wire/addr';
import { buildIpInto, buildLength } from '../lib/wire/build';
import { BatchEngine } from '../harness/engine/batch-engine';
import { modelForListener } from '../harness/engine/differential';
import { ListenerOracle } from '../harness/fuzz/listener-oracle';
import { TRUE_MODEL } from '../harness/fuzz/model-api';
import { groupReplies } from '../harness/fuzz/pipeline-protocol';
import { Lab } from '../harness/topology/lab';

const N = Number(process.argv[2] ?? 40000);
const file = process.argv[3] ?? path.join(__dirname, '..', 'cases', 'campaigns', 'listener-syn-flood-mix.yaml');

/** This thread's CPU time (user + system) in ms, and wall time in ms. */
function clock(): { cpu: number; wall: number } {
  const f = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  const cols = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { cpu: ((Number(cols[11]) + Number(cols[12])) * 1000) / 100, wall: Number(process.hrtime.bigint()) / 1e6 };
}

function per(t0: { cpu: number; wall: number }, n: number): { cpu: string; wall: string } {
  const t = clock();
  return { cpu: (((t.cpu - t0.cpu) * 1000) / n).toFixed(2).padStart(6), wall: (((t.wall - t0.wall) * 1000) / n).toFixed(2).padStart(6) };
}

(async () => {
  const c = loadCampaignFile(file);
  const lab = await Lab.create({ capture: 'dut' });
  const port = c.listen?.port ?? 8080;
  const backlog = c.listen?.backlog ?? 4096;
  const ends = (ip: 4 | 6) => ({ src: ip === 4 ? lab.addr.v4.peer : lab.addr.v6.peer, dst: ip === 4 ? lab.addr.v4.dut : lab.addr.v6.dut, dport: port });
  const e4 = ends(4);
  const e6 = ends(6);
  const eth = (type: number): Uint8Array => Uint8Array.from([...macToBytes(lab.dutMac), ...macToBytes(lab.testerMac), type >> 8, type & 0xff]);
  const eth4 = eth(0x0800);
  const eth6 = eth(0x86dd);
  console.log(`${N} probes per profile; µs per probe, CPU (wall)`);
  console.log('profile                    gen            engine          judge      (fast path taken)');
  for (let pi = 0; pi < c.profiles.length; pi++) {
    const prof = c.profiles[pi];
    await lab.reset({ sysctls: prof.sysctls });
    const m4 = await modelForListener(lab, 4, port, backlog);
    const m6 = await modelForListener(lab, 6, port, backlog);
    const o4 = ListenerOracle.forListener(TRUE_MODEL, m4.env, port, backlog);
    const o6 = ListenerOracle.forListener(TRUE_MODEL, m6.env, port, backlog);
    const a = pi * c.rotateEvery;
    for (let i = 0; i < 5000; i++) probeAt(c, a + N + i); // warm-up
    // generation
    let t = clock();
    let buf = new Uint8Array(N * 128);
    const offs = new Uint32Array(N + 1);
    let o = 0;
    for (let i = 0; i < N; i++) {
      const p = probeAt(c, a + i);
      const spec = probePacketSpec(p, p.mutated, bindingsFor(p), p.ip === 4 ? e4 : e6);
      const len = buildLength(spec);
      if (o + 14 + len > buf.length) {
        const b = new Uint8Array(buf.length * 2);
        b.set(buf);
        buf = b;
      }
      offs[i] = o;
      buf.set(p.ip === 4 ? eth4 : eth6, o);
      o += 14 + buildIpInto(spec, buf, o + 14);
    }
    offs[N] = o;
    const gen = per(t, N);
    // engine
    const cleanup = String(m4.sysctls['net.ipv4.tcp_syncookies']) !== '2';
    t = clock();
    const { replies } = new BatchEngine(lab, { window: c.window ?? 128, cleanup }).run({ buf, offs, n: N });
    const engine = per(t, N);
    // judging
    t = clock();
    const rules = new Set<string>();
    const g = groupReplies(N, replies.buf, replies.offs, replies.probe);
    let slow = 0;
    for (let i = 0; i < N; i++) {
      const ip = buf.subarray(offs[i] + 14, offs[i + 1]);
      const j = (ip[0] >> 4 === 6 ? o6 : o4).judgePacked(ip, g.buf, g.offs, g.first[i], g.count[i], replies.sentMs[i], rules);
      if (j) slow++;
    }
    const judge = per(t, N);
    console.log(
      `${prof.name.padEnd(24)} ${gen.cpu} (${gen.wall})  ${engine.cpu} (${engine.wall})  ${judge.cpu} (${judge.wall})   ${(100 - (100 * slow) / N).toFixed(2)}%`,
    );
  }
  await lab.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
