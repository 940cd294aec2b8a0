// The pipeline worker (a worker thread): judges the kernel's replies against the model, and generates
// a share of the campaign's probe frames. Pure computation — no sockets, no namespaces.
import '../sys/code-cache-install'; // first: the modules below compile with V8 code caches
import { parentPort, workerData } from 'worker_threads';
import type { Campaign } from '../../lib/fuzz/campaign';
import { signatureOf } from '../../lib/fuzz/signature';
import { ListenerOracle } from './listener-oracle';
import { loadModel } from './model-api';
import { EnvParams, groupReplies, JudgedDivergence, JudgeReply, JudgeSeqReply, Reply, Request } from './pipeline-protocol';
import type { ModelEnv, ModelState } from '../../lib/model';
import { judgeFlow } from '../../lib/fuzz/sequence-judge';
import { packOutcomes, unpackFlows } from '../../lib/fuzz/played-pack';
import { probeFrames } from './probe-frames';
import { campaignModelSockopts, socketOptionsOf } from './sockopts';

// The campaign comes as the main thread loaded it (a structured clone): no YAML or schema work here.
const { campaign, modelModule } = workerData as { campaign: Campaign; modelModule?: string };
const api = loadModel(modelModule);
const oracles = new Map<string, ListenerOracle>();

function oracleFor(env: EnvParams, listen: { port: number; backlog: number }): ListenerOracle {
  const key = JSON.stringify([env, listen]);
  let o = oracles.get(key);
  if (!o) {
    const lso = socketOptionsOf(campaign).listenSockopts;
    o = ListenerOracle.forListener(api, api.makeEnv(env), listen.port, listen.backlog, lso ? campaignModelSockopts(lso, env.peer) : undefined);
    oracles.set(key, o);
  }
  return o;
}

const seqBases = new Map<string, { env: ModelEnv; base: ModelState }>();

/** Judge a played batch of stateful probes, each flow from the listener's state (as prepareLab makes it). */
function judgeSeq(m: Extract<Request, { type: 'judgeSeq' }>): JudgeSeqReply {
  const at = (ip: 4 | 6): { env: ModelEnv; base: ModelState } => {
    const key = JSON.stringify([m.env[ip], m.listen]);
    let v = seqBases.get(key);
    if (!v) {
      const env = api.makeEnv(m.env[ip]);
      v = { env, base: api.apply(env, api.initialState(env), { type: 'listen', port: m.listen.port, backlog: m.listen.backlog }, 0).state };
      seqBases.set(key, v);
    }
    return v;
  };
  const by = { 4: at(4), 6: at(6) };
  const outcomes = unpackFlows(m.flows).map((f) => judgeFlow(api, by[f.ip].env, by[f.ip].base, f));
  return { id: m.id, type: 'judgeSeq', outcomes: packOutcomes(outcomes), busyMs: 0 };
}

function judge(m: Extract<Request, { type: 'judge' }>): JudgeReply {
  const divergences: JudgedDivergence[] = [];
  const rules = new Set<string>();
  const n = m.sentMs.length;
  const o4 = oracleFor(m.env[4], m.listen);
  const o6 = oracleFor(m.env[6], m.listen);
  const probes = new Uint8Array(m.probes.buf);
  const r = groupReplies(n, new Uint8Array(m.replies.buf), m.replies.offs, m.replyProbe);
  const per = m.perProbe ? { paths: [] as string[][], ids: new Map<string, number>(), pathOf: new Uint32Array(n), one: [] as string[] } : undefined;
  for (let k = 0; k < n; k++) {
    const ip = probes.subarray(m.probes.offs[k] + 14, m.probes.offs[k + 1]);
    if (per) per.one = [];
    const j = (ip[0] >> 4 === 6 ? o6 : o4).judgePacked(ip, r.buf, r.offs, r.first[k], r.count[k], m.sentMs[k], rules, per?.one);
    if (per) {
      const key = per.one.join('>');
      let id = per.ids.get(key);
      if (id === undefined) {
        per.ids.set(key, (id = per.paths.length));
        per.paths.push(per.one);
      }
      per.pathOf[k] = id;
    }
    if (j && !j.verdict.ok) {
      const d = j.verdict.divergence!;
      divergences.push({
        index: m.a + k,
        signature: signatureOf({ target: campaign.target, rule: d.rule, fields: d.fields }),
        rule: d.rule,
        fields: d.fields,
        text: d.text,
      });
    }
  }
  return { id: m.id, type: 'judge', divergences, rules: [...rules], busyMs: 0, ...(per ? { paths: per.paths, pathOf: per.pathOf } : {}) };
}

parentPort!.on('message', (m: Request) => {
  let r: Reply;
  const t0 = performance.now();
  try {
    const done =
      m.type === 'gen'
        ? { id: m.id, type: 'gen' as const, probes: probeFrames(campaign, m.a, m.b, m.link), busyMs: 0 }
        : m.type === 'judgeSeq'
          ? judgeSeq(m)
          : judge(m);
    done.busyMs = performance.now() - t0;
    r = done;
  } catch (e) {
    r = { id: m.id, type: 'error', message: (e as Error).stack ?? String(e) };
  }
  const transfer =
    r.type === 'gen' ? [r.probes.buf, r.probes.offs.buffer as ArrayBuffer] : r.type === 'judgeSeq' ? [r.outcomes.pathOf.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(r, transfer);
});

// Loaded and ready: the main thread makes probe frames itself until this arrives.
parentPort!.postMessage({ id: 0, type: 'ready' } satisfies Reply);
