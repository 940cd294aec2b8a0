// Sharding a run across machines (a CI matrix, a Kubernetes Indexed Job, Bazel): `--shard i/N` keeps
// the i-th of N disjoint parts of the planned case runs. The partition depends only on the case-run
// ids and their weights — the same on every machine given the same paths and flags — and is balanced
// greedily (heaviest first onto the lightest shard). Weights are each case's own estimated duration,
// or the durations a previous run recorded (`--shard-durations summary.json`, the same file on every
// shard, so every shard computes the same partition).
import * as fs from 'fs';

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

/** Per-case overhead in the weight (a fresh lab, the agent's round trips), ms. */
const CASE_OVERHEAD_MS = 30;

/** "2/3" → { index: 2, total: 3 }; "3" → total 3, index from the environment (Kubernetes, Bazel). */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(spec);
  if (!m) throw new Error(`--shard takes i/N (e.g. 2/3: the second of three shards) or N (the index from $JOB_COMPLETION_INDEX), got '${spec}'`);
  const total = Number(m[2]);
  if (!(total >= 1)) throw new Error(`--shard ${spec}: N must be at least 1`);
  let index: number;
  if (m[1] !== undefined) index = Number(m[1]);
  else {
    const fromEnv = env.JOB_COMPLETION_INDEX ?? env.TEST_SHARD_INDEX;
    if (fromEnv === undefined || !/^\d+$/.test(fromEnv)) {
      throw new Error(
        `--shard ${spec}: no shard index: give i/${total}, or run where JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or TEST_SHARD_INDEX (Bazel) is set`,
      );
    }
    index = Number(fromEnv) + 1;
  }
  if (index < 1 || index > total) throw new Error(`--shard ${spec}: the index must be 1..${total} (JOB_COMPLETION_INDEX and TEST_SHARD_INDEX count from 0)`);
  return { index, total };
}

/**
 * The shard Bazel asks for (TEST_TOTAL_SHARDS, TEST_SHARD_INDEX counting from 0), acknowledged by
 * touching TEST_SHARD_STATUS_FILE as Bazel requires; undefined outside a sharded Bazel test.
 */
export function bazelShard(env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (env.TEST_TOTAL_SHARDS === undefined) return undefined;
  const total = Number(env.TEST_TOTAL_SHARDS);
  const index = Number(env.TEST_SHARD_INDEX ?? NaN) + 1;
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(index) || index < 1 || index > total) {
    throw new Error(`Bazel sharding: TEST_TOTAL_SHARDS=${env.TEST_TOTAL_SHARDS} TEST_SHARD_INDEX=${env.TEST_SHARD_INDEX ?? '(unset)'} is not a shard`);
  }
  if (env.TEST_SHARD_STATUS_FILE) fs.writeFileSync(env.TEST_SHARD_STATUS_FILE, '');
  return { index, total };
}

export interface Weighted {
  id: string;
  /** Expected duration, ms. */
  ms: number;
}

/** id → 1-based shard, for every item: heaviest first (ties by id) onto the lightest shard (ties: lowest). */
export function partition(items: readonly Weighted[], total: number): Map<string, number> {
  const load = new Array<number>(total).fill(0);
  const out = new Map<string, number>();
  const sorted = [...items].sort((a, b) => b.ms - a.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const it of sorted) {
    let best = 0;
    for (let s = 1; s < total; s++) if (load[s] < load[best]) best = s;
    load[best] += it.ms + CASE_OVERHEAD_MS;
    out.set(it.id, best + 1);
  }
  return out;
}

/** Recorded durations (case id → ms) from a summary.json. */
export function recordedDurations(summaryFile: string): Map<string, number> {
  let s: { cases?: Array<{ id?: unknown; durationMs?: unknown }> };
  try {
    s = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  } catch (e) {
    throw new Error(`--shard-durations ${summaryFile}: ${(e as Error).message}; give a run's summary.json`);
  }
  const m = new Map<string, number>();
  for (const c of s.cases ?? []) if (typeof c.id === 'string' && typeof c.durationMs === 'number') m.set(c.id, c.durationMs);
  if (!m.size) throw new Error(`--shard-durations ${summaryFile}: no case durations in it; give a run's summary.json`);
  return m;
}
