// parseCaseText: YAML text → CaseFile, or a CaseError listing every problem as file:line:column.
// Three passes, each reporting all it finds: YAML syntax, then the schema (schema.ts), then defaults
// and step order (normalise/). A later pass runs only when the earlier ones found nothing. Pure.
import { isMap, isScalar, isSeq } from 'yaml';
import { documentValue, locateNode, parseYamlSource, type Path, yamlIssues } from '../yaml-kit/yaml-source';
import { flattenZodIssues } from '../yaml-kit/zod-issues';
import { CaseError, CaseIssue } from './errors';
import { normaliseCase } from './normalise';
import { CaseSchema } from './schema';
import type { CaseFile, SourcePos } from './types';

/**
 * Parses and checks one case file's text. `fileName` is used in messages and as `CaseFile.file`.
 * Throws CaseError (every problem, sorted) when anything is wrong.
 */
export function parseCaseText(source: string, fileName: string): CaseFile {
  try {
    return parseChecked(source, fileName);
  } catch (e) {
    if (e instanceof CaseError) throw e;
    // Never a bare crash for a bad file: whatever slipped through still names the file.
    const msg = e instanceof Error ? e.message : String(e);
    throw new CaseError([
      { file: fileName, line: 1, column: 1, message: `the case loader failed on this file (${msg}) — a synharness bug: please report it with the file` },
    ]);
  }
}

function parseChecked(source: string, fileName: string): CaseFile {
  const { doc, text, pos } = parseYamlSource(source);
  const issue = (p: SourcePos, message: string): CaseIssue => ({ file: fileName, line: p.line, column: p.column, message });

  // ---- pass 1: YAML
  if (doc.errors.length) throw new CaseError(yamlIssues(doc, text, pos).map((x) => issue(x.pos, x.message)));
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new CaseError([
      issue({ line: 1, column: 1 }, 'the file holds no case — write a mapping with name:, description:, spec:, setup: and steps: (see cases/README.md)'),
    ]);
  }
  if (!isMap(doc.contents)) {
    const start = doc.contents.range ? pos(doc.contents.range[0]) : { line: 1, column: 1 };
    throw new CaseError([
      issue(start, `a case file is a mapping (name: …, setup: …, steps: …), not a ${isSeq(doc.contents) ? 'list' : 'single value'} — see cases/README.md`),
    ]);
  }
  const js = documentValue(doc, pos);
  if ('issue' in js) throw new CaseError([issue(js.issue.pos, js.issue.message)]);
  const raw = js.value;

  const locate = (path: Path, atKey = false): SourcePos => locateNode(doc, path, atKey, pos);

  // ---- pass 2: schema
  const parsed = CaseSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const pis = flattenZodIssues(parsed.error.issues, { schema: CaseSchema, root: raw, where });
    throw new CaseError(pis.map((p) => issue(locate(p.path, p.at === 'key'), p.message)));
  }

  // ---- pass 3: defaults, references, step order
  const r = normaliseCase(parsed.data, fileName, locate);
  if (!r.value) throw new CaseError(r.issues.map((p) => issue(locate(p.path, p.at === 'key'), p.message)));
  // A gate's reason is the comment on its line (kernel: ">=6.13"   # what changed, where measured):
  // skips quote it.
  const gate = doc.get('kernel', true);
  if (isScalar(gate) && gate.comment?.trim()) return { ...r.value, kernel: { ...r.value.kernel, why: gate.comment.trim() } };
  return r.value;
}

// ---------------------------------------------------------------------------------------------
// Where a schema problem is, in a case's words

/** "at the top level", "in step 3", "in listen", "in expect (step 3)" */
function where(path: Path): string {
  if (path.length === 0) return 'at the top level';
  const step = path[0] === 'steps' && typeof path[1] === 'number' ? path[1] + 1 : undefined;
  if (step !== undefined && path.length === 2) return `in step ${step}`;
  const last = [...path].reverse().find((x) => typeof x === 'string' && x !== 'steps');
  return `in ${String(last ?? 'this list')}${step !== undefined ? ` (step ${step})` : ''}`;
}
