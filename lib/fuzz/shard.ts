// Sharding a fuzz campaign's probe index space (`synh fuzz --shard i/N`): the indices are cut into
// blocks of SHARD_BLOCK probes, and block j belongs to shard (j mod N) + 1. Every shard runs the same
// campaign (same seed, same probeAt), only its own blocks: the shards' probes are disjoint, their
// union below any budget is exactly the unsharded campaign's probes, and the owner of an index
// depends on (index, N) alone — not on the budget, the machine or what ran before — so a shard
// resumes from its checkpoint like a whole campaign. Blocks, not single indices, so a shard's chunks
// stay contiguous ranges (the engine, the judging worker and the checkpoint watermark work on ranges).
// Pure.

/** One part of a split: the index-th (1-based) of total (the same shape as the runner's Shard). */
export interface ProbeShard {
  index: number;
  total: number;
}

/** Probes per block of the partition. */
export const SHARD_BLOCK = 1000;

/** The shard (1-based) of N that runs probe `index`. */
export function shardOfProbe(index: number, total: number): number {
  return (Math.floor(index / SHARD_BLOCK) % total) + 1;
}

/** The first index ≥ `index` that shard `shard` of `total` runs. */
export function nextOwnedProbe(index: number, shard: number, total: number): number {
  const block = Math.floor(index / SHARD_BLOCK);
  const ahead = (shard - 1 - (block % total) + total) % total;
  return ahead === 0 ? index : (block + ahead) * SHARD_BLOCK;
}

/** The end (exclusive) of the block holding `index`: a shard's chunk never crosses it. */
export function blockEnd(index: number): number {
  return (Math.floor(index / SHARD_BLOCK) + 1) * SHARD_BLOCK;
}

/** How many of the probes [0, budget) shard `shard` of `total` runs. */
export function probesOfShard(budget: number, shard: number, total: number): number {
  const full = Math.floor(budget / SHARD_BLOCK);
  let n = Math.floor(full / total) * SHARD_BLOCK;
  const rest = full % total;
  if (shard <= rest) n += SHARD_BLOCK;
  if (shard === (full % total) + 1) n += budget % SHARD_BLOCK;
  return n;
}
