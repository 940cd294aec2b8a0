// The pipeline worker (a worker thread): generates and builds the campaign's probes, and judges the
// kernel's replies against the model. Pure computation — no sockets, no namespaces.
import { parentPort, workerData } from 'worker_threads';
import { loadCampaignFile } from '../../lib/fuzz/campaign-load';
import { probeAt } from '../../lib/fuzz/generate';
import { bindingsFor, probePacketSpec } from '../../lib/fuzz/probe';
import { signatureOf } from '../../lib/fuzz/signature';
import { buildIp } from '../../lib/wire/build';
import { ListenerOracle } from './listener-oracle';
import { loadModel } from './model-api';
import { EnvParams, JudgedDivergence, pack, Reply, Request, unpackAt } from './pipeline-protocol';

const { campaignFile, modelModule } = workerData as { campaignFile: string; modelModule?: string };
const campaign = loadCampaignFile(campaignFile);
const api = loadModel(modelModule);
const oracles = new Map<string, ListenerOracle>();

function oracleFor(env: EnvParams, listen: { port: number; backlog: number }): ListenerOracle {
  const key = JSON.stringify([env, listen]);
  let o = oracles.get(key);
  if (!o) {
    o = ListenerOracle.forListener(api, api.makeEnv(env), listen.port, listen.backlog);
    oracles.set(key, o);
  }
  return o;
}

function handle(m: Request): Reply {
  if (m.type === 'gen') {
    const pkts: Uint8Array[] = [];
    const ips = new Uint8Array(m.b - m.a);
    for (let i = m.a; i < m.b; i++) {
      const p = probeAt(campaign, i);
      ips[i - m.a] = p.ip;
      pkts.push(buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), m.ends[p.ip])));
    }
    return { id: m.id, type: 'gen', probes: pack(pkts), ips };
  }
  const divergences: JudgedDivergence[] = [];
  const rules = new Set<string>();
  const n = m.sentMs.length;
  const o4 = oracleFor(m.env[4], m.listen);
  const o6 = oracleFor(m.env[6], m.listen);
  for (let k = 0; k < n; k++) {
    const bytes = unpackAt(m.probes, k);
    const frames = [];
    for (let r = m.replyStart[k]; r < m.replyStart[k + 1]; r++) frames.push({ bytes: unpackAt(m.replies, r), tNs: 0n });
    const j = (bytes[0] >> 4 === 6 ? o6 : o4).judge(bytes, frames, BigInt(Math.round(m.sentMs[k] * 1e6)));
    for (const r of j.rules) rules.add(r);
    if (!j.verdict.ok) {
      const d = j.verdict.divergence!;
      divergences.push({ index: m.a + k, signature: signatureOf({ target: campaign.target, rule: d.rule, fields: d.fields }), rule: d.rule, fields: d.fields, text: d.text });
    }
  }
  return { id: m.id, type: 'judge', divergences, rules: [...rules] };
}

parentPort!.on('message', (m: Request) => {
  let r: Reply;
  try {
    r = handle(m);
  } catch (e) {
    r = { id: m.id, type: 'error', message: (e as Error).stack ?? String(e) };
  }
  const transfer = r.type === 'gen' ? [r.probes.buf, r.probes.offs.buffer as ArrayBuffer, r.ips.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(r, transfer);
});
