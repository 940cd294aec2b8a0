// Campaign checkpoints, and atomic file writes for everything a campaign run leaves behind
// (checkpoint, repro cases, pcapng files). This module and campaign-load.ts are the only ones in
// lib/fuzz that touch the file system.
//
// Resume semantics (kill -9 at any instant neither loses nor repeats a finding):
//  - `nextIndex` is a watermark: every probe with index < nextIndex was sent, judged, and its
//    divergence (if any) counted. A resumed run starts at probeAt(campaign, nextIndex); since probes
//    are random-access by (seed, index) it sends exactly what the killed run would have sent.
//  - A finding is recorded — its repro case (and pcapng) written atomically, then a checkpoint
//    listing it saved — *before* nextIndex moves past its first index. So a kill after the repro was
//    written but before the checkpoint re-finds it from the old nextIndex and rewrites the same file
//    (same name, same content: the minimizer is deterministic); a kill after the checkpoint finds the
//    signature already listed, and the resumed run only counts it (FindingStore: counts in a
//    checkpoint cover indices < nextIndex only, so re-run probes are not counted twice).
//  - `rulesHit` is a set: re-running probes adds nothing twice. `elapsedMs` adds up across runs.
//  - Checkpoints are written with writeFileAtomic (temp file in the same directory, fsync, rename,
//    fsync of the directory), or its twin writeFileAtomicAsync on the I/O thread pool (a campaign
//    writes one at a time, in order): a reader sees the old checkpoint or the new one, never a torn one. A
//    temp file left by a crash is never read and never renamed; removeStaleTemps cleans them up.
//  - Repro files are written the same way, under a name derived from the signature alone
//    (signatureSlug), so rewriting one after a resume replaces it with identical content.
import { closeSync, fsyncSync, openSync, promises as fsp, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'fs';
import { basename, dirname, join } from 'path';
import { z } from 'zod';
import type { Campaign } from './campaign';
import { campaignHash } from './campaign';
import type { ProbeShard } from './shard';
import type { FindingRecord } from './signature';
import type { GuidedSnapshot } from './guided';

export const CHECKPOINT_SCHEMA = 'synharness-fuzz-checkpoint/1';

export interface Checkpoint {
  schema: typeof CHECKPOINT_SCHEMA;
  /** the campaign's name (for people) and hash (for the resume check) */
  campaign: string;
  campaignHash: string;
  /** probes with index < nextIndex are done */
  nextIndex: number;
  /** probes judged so far (= nextIndex unless the run skipped some) */
  probesDone: number;
  findings: FindingRecord[];
  /** divergences at probe indices < nextIndex (findings' occurrences and ones that did not reproduce); absent in older checkpoints */
  divergences?: number;
  /** model rule ids seen in predictions, sorted */
  rulesHit: string[];
  /** ISO time the campaign first started */
  startedAt: string;
  /** run time summed over all runs of this campaign */
  elapsedMs: number;
  /** the part of the probe index space this run covers (synh fuzz --shard i/N; lib/fuzz/shard.ts) */
  shard?: ProbeShard;
  /** a guided campaign's corpus (lib/fuzz/guided.ts) */
  guided?: GuidedSnapshot;
}

const CheckpointSchema = z.strictObject({
  schema: z.literal(CHECKPOINT_SCHEMA),
  campaign: z.string(),
  campaignHash: z.string().min(1),
  nextIndex: z.number().int().min(0),
  probesDone: z.number().int().min(0),
  findings: z.array(
    z.strictObject({
      signature: z.string().min(1),
      firstIndex: z.number().int().min(0),
      count: z.number().int().min(0),
      reproPath: z.string().optional(),
    }),
  ),
  divergences: z.number().int().min(0).optional(),
  rulesHit: z.array(z.string()),
  startedAt: z.string(),
  elapsedMs: z.number().min(0),
  shard: z.strictObject({ index: z.number().int().min(1), total: z.number().int().min(1) }).optional(),
  guided: z
    .strictObject({
      absorbedBelow: z.number().int().min(0),
      ruleHits: z.record(z.string(), z.number().int().min(0)),
      firstHit: z.record(z.string(), z.number().int().min(0)),
      paths: z.array(z.string()),
      entries: z.array(
        z.strictObject({
          probe: z.unknown(),
          rules: z.array(z.string()),
          index: z.number().int().min(0),
          tries: z.number().int().min(0),
          finds: z.number().int().min(0),
        }),
      ),
      pending: z.array(
        z.strictObject({
          index: z.number().int().min(0),
          rules: z.array(z.string()),
          probe: z.unknown().optional(),
          parent: z.number().int().min(0).optional(),
        }),
      ),
    })
    .optional(),
});

/** A fresh checkpoint for a campaign (nothing done yet). */
export function newCheckpoint(c: Campaign, startedAt: Date = new Date(), shard?: ProbeShard): Checkpoint {
  return {
    ...(shard ? { shard: { index: shard.index, total: shard.total } } : {}),
    schema: CHECKPOINT_SCHEMA,
    campaign: c.name,
    campaignHash: campaignHash(c),
    nextIndex: 0,
    probesDone: 0,
    findings: [],
    rulesHit: [],
    startedAt: startedAt.toISOString(),
    elapsedMs: 0,
  };
}

/** Throws unless the checkpoint belongs to this campaign (same probe sequence) and the same shard of it. */
export function assertResumable(cp: Checkpoint, c: Campaign, shard?: ProbeShard): void {
  const h = campaignHash(c);
  if (cp.campaignHash !== h) {
    throw new Error(
      `checkpoint of campaign '${cp.campaign}' (hash ${cp.campaignHash}) does not match campaign '${c.name}' (hash ${h}): ` +
        'its seed, target, profiles or generator changed, so the probe sequence differs — start a new run directory',
    );
  }
  const was = cp.shard ? `shard ${cp.shard.index}/${cp.shard.total}` : 'the whole campaign';
  const now = shard ? `shard ${shard.index}/${shard.total}` : 'the whole campaign';
  if (was !== now) throw new Error(`checkpoint covers ${was}, this run asks for ${now}: resume with the same --shard, or start a new run directory`);
}

// ---------------------------------------------------------------------------------------------
// Atomic writes

let tempCounter = 0;
const TEMP_RE = /\.tmp-(\d+)-\d+$/;

export interface AtomicWriteOptions {
  /** test hook: called after the temp file is complete and synced, before the rename */
  beforeRename?: (tempPath: string) => void;
}

/**
 * Writes `data` to `path` atomically: a temp file `<path>.tmp-<pid>-<n>` in the same directory is
 * written, fsynced and renamed over `path`, then the directory is fsynced. On any error the temp
 * file is removed and `path` is untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = `${path}.tmp-${process.pid}-${tempCounter++}`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    opts.beforeRename?.(tmp);
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or gone */
    }
    throw e;
  }
  fsyncDir(dirname(path));
}

/**
 * writeFileAtomic's steps (temp file, fsync, rename, fsync of the directory) on the I/O thread pool:
 * the same guarantees, without holding the calling thread for the file system's flushes.
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${tempCounter++}`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
    await fh.sync();
    await fh.close();
    fh = undefined;
    opts.beforeRename?.(tmp);
    await fsp.rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  let dh: fsp.FileHandle | undefined;
  try {
    dh = await fsp.open(dirname(path), 'r');
    await dh.sync();
  } catch {
    /* some file systems do not support fsync on directories; the rename is still atomic */
  } finally {
    await dh?.close().catch(() => undefined);
  }
}

function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* some file systems do not support fsync on directories; the rename is still atomic */
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Removes temp files a crashed writer left next to `path` (`<name>.tmp-<pid>-<n>`). A temp file
 * lives only for the duration of one write, so one last modified more than `olderThanMs` ago
 * (default 60 s; 0 = every one) is stale. Returns the names removed.
 */
export function removeStaleTemps(path: string, olderThanMs = 60_000, now: number = Date.now()): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !TEMP_RE.test(n)) continue;
    const p = join(dir, n);
    try {
      if (olderThanMs > 0 && now - statSync(p).mtimeMs < olderThanMs) continue;
      unlinkSync(p);
      removed.push(n);
    } catch {
      /* raced with its writer or another cleaner */
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Checkpoint files

/** Saves the checkpoint atomically (JSON, one finding per line for readable diffs). */
export function saveCheckpoint(path: string, cp: Checkpoint, opts: AtomicWriteOptions = {}): void {
  const parsed = CheckpointSchema.safeParse(cp);
  if (!parsed.success)
    throw new Error(`saveCheckpoint: not a valid checkpoint: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const sorted: Checkpoint = { ...cp, rulesHit: [...new Set(cp.rulesHit)].sort() };
  writeFileAtomic(path, `${JSON.stringify(sorted, null, 1)}\n`, opts);
}

/** saveCheckpoint with the write on the I/O thread pool (writeFileAtomicAsync). */
export async function saveCheckpointAsync(path: string, cp: Checkpoint, opts: AtomicWriteOptions = {}): Promise<void> {
  const parsed = CheckpointSchema.safeParse(cp);
  if (!parsed.success)
    throw new Error(`saveCheckpoint: not a valid checkpoint: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const sorted: Checkpoint = { ...cp, rulesHit: [...new Set(cp.rulesHit)].sort() };
  await writeFileAtomicAsync(path, `${JSON.stringify(sorted, null, 1)}\n`, opts);
}

/** The checkpoint at `path`, or undefined when there is none. Throws on a file that is not one. */
export function loadCheckpoint(path: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not a checkpoint (invalid JSON: ${(e as Error).message})`);
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: not a checkpoint — ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data as Checkpoint;
}
