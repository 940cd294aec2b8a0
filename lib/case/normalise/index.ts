// From the schema's output to the CaseFile a runner consumes: fills every default, resolves flows,
// labels and `same:` references, and rejects impossible step orders (see cases/README.md, "Checks
// at load time"). Reports problems as path-addressed issues; parse.ts turns paths into line:column.
// One file per concern — header.ts, setup.ts, flows.ts, references.ts, bindings.ts, steps/ — sharing
// one explicit CaseContext (context.ts). Pure.
import type { CaseRaw } from '../schema';
import type { CaseFile } from '../types';
import type { CaseContext, PathIssue, PosOf, Problem } from './context';
import { normaliseFlows } from './flows';
import { normaliseHeader } from './header';
import { collectLabels } from './references';
import { normaliseSetup } from './setup';
import { normaliseSteps } from './steps';

export type { Path, PathIssue } from './context';

/**
 * Normalises a schema-valid case. `posOf(path, atKey)` gives the position of a YAML node (used for
 * the `pos` of steps and patterns). Returns the case, or the issues found (never both).
 */
export function normaliseCase(raw: CaseRaw, file: string, posOf: PosOf): { value?: CaseFile; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const problem: Problem = (path, message, at) => issues.push(at ? { path, message, at } : { path, message });

  const header = normaliseHeader(raw, file, problem);
  const setup = normaliseSetup(raw.setup, problem);
  const { flows, names } = normaliseFlows(raw, setup, problem);
  const ctx: CaseContext = {
    problem,
    posOf,
    ip: header.ip,
    ipName: header.ipName,
    setup,
    flows: names,
    walk: {
      bindings: new Map(names.names.map((n) => [n, { dutIsn: false, dutTs: false, peerTs: false }])),
      labels: new Map(),
      allLabels: collectLabels(raw.steps),
      kinds: [],
      hasCause: setup.kind === 'connect',
      accepted: false,
      closedAt: {},
    },
  };
  const steps = normaliseSteps(ctx, raw.steps);

  if (issues.length) return { issues };
  const { name, description, spec, kernel, families, sysctls } = header;
  return { issues, value: { file, name, description, spec, kernel, families, sysctls, setup, flows, steps } };
}
