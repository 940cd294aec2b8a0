// Reading a results directory back for `synh compare`, `synh merge` and `synh run --baseline`:
// resolves `latest`, a baseline name or a path, reads summary.json and says clearly when it was made by
// an older (or newer) synharness.
import * as fs from 'fs';
import * as path from 'path';
import type { RunView } from '../../lib/compare/compare';
import { COMPARABLE_SCHEMA } from '../../lib/compare/types';
import { SUMMARY_SCHEMA, type Summary } from './summary';

/** Where `synh baseline save NAME` puts baselines (under the results root). */
export const BASELINES_DIR = 'baselines';

/**
 * A run directory from what the user typed: `latest` (the results root's latest run), an existing
 * path, or the name of a baseline under <results>/baselines/.
 */
export function resolveRunDir(spec: string, resultsRoot = 'results'): string {
  const candidates = spec === 'latest' ? [path.join(resultsRoot, 'latest')] : [spec, path.join(resultsRoot, BASELINES_DIR, spec), path.join(resultsRoot, spec)];
  for (const c of candidates) {
    if (fs.existsSync(path.join(c, 'summary.json'))) return fs.realpathSync(c);
  }
  if (spec === 'latest') throw new Error(`no ${path.join(resultsRoot, 'latest')}: run \`synh run\` first, or give a results directory`);
  const tried = candidates.map((c) => c).join(', ');
  throw new Error(
    `${spec}: not a results directory (no summary.json in ${tried}); give a results/<run-id> directory, \`latest\` or a baseline name (synh baseline save NAME)`,
  );
}

function schemaVersion(s: unknown, prefix: string): number | undefined {
  if (typeof s !== 'string' || !s.startsWith(`${prefix}/`)) return undefined;
  const n = Number(s.slice(prefix.length + 1));
  return Number.isInteger(n) ? n : undefined;
}

export interface LoadedRun {
  dir: string;
  summary: Summary;
  view: RunView;
  /** Set when the run predates the comparable form: what to tell the user. */
  note?: string;
}

/** Reads <dir>/summary.json (dir as resolveRunDir returns it). */
export function loadRun(dir: string, label = dir): LoadedRun {
  const file = path.join(dir, 'summary.json');
  let summary: Summary;
  try {
    summary = JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
  } catch (e) {
    throw new Error(`${file}: cannot read it as JSON (${(e as Error).message}); was the run interrupted?`);
  }
  const [, known] = SUMMARY_SCHEMA.split('/');
  const v = schemaVersion(summary.schema, 'synharness-summary');
  if (v === undefined) throw new Error(`${file}: not a synharness summary (schema ${JSON.stringify(summary.schema)})`);
  if (v > Number(known))
    throw new Error(`${file}: made by a newer synharness (schema ${summary.schema}; this one reads up to ${SUMMARY_SCHEMA}); update synharness`);
  const cv = schemaVersion(summary.comparableSchema, 'synharness-comparable');
  const [, cknown] = COMPARABLE_SCHEMA.split('/');
  if (cv !== undefined && cv > Number(cknown)) {
    throw new Error(
      `${file}: made by a newer synharness (comparable packets ${summary.comparableSchema}; this one reads ${COMPARABLE_SCHEMA}); update synharness`,
    );
  }
  const comparable = cv !== undefined;
  const view: RunView = {
    label,
    runId: summary.runId,
    kernel: summary.kernel,
    ...(summary.kernelIdentity?.version ? { kernelVersion: summary.kernelIdentity.version } : {}),
    comparable,
    cases: summary.cases.map((c) => ({
      id: c.id,
      status: c.status,
      message: c.message,
      kernel: c.kernel,
      modelProfile: c.modelProfile,
      sysctls: c.sysctls ?? {},
      ...(summary.kernelIdentity?.version && c.kernel === summary.kernel ? { kernelVersion: summary.kernelIdentity.version } : {}),
      ...(comparable && c.comparable ? { comparable: c.comparable } : {}),
    })),
  };
  const note = comparable
    ? undefined
    : `${label} was made by an older synharness (${summary.schema} without comparable packets): statuses are compared, behaviour is not; re-run it with this version for a full comparison`;
  return { dir, summary, view, ...(note ? { note } : {}) };
}
