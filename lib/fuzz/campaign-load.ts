// Loading campaign files: YAML text → Campaign, or a CampaignError listing every problem as
// `file:line:column: message`. parseCampaignText is pure; loadCampaignFile / loadCampaignDir are the
// only functions here that touch the file system.
//
// Issue format, sorting, positions, YAML syntax errors and the flattening of zod issues (union
// branches, unknown and missing keys with suggestions) come from lib/yaml-kit, as for case files:
// issue paths are walked through the YAML document to the node (or, for keys, the key) they name.
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { isMap } from 'yaml';
import { documentValue, locateNode as locate, parseYamlSource, type Path, type SourcePos, yamlIssues } from '../yaml-kit/yaml-source';
import { dottedPath, flattenZodIssues } from '../yaml-kit/zod-issues';
import { SourceIssue, SourceIssuesError } from '../yaml-kit/issues';
import { Campaign, CampaignSchema, normaliseCampaign } from './campaign';

export type CampaignIssue = SourceIssue;

/** Every problem of a campaign file; `toString()` gives one `file:line:column: message` per line. */
export class CampaignError extends SourceIssuesError {
  constructor(issues: readonly CampaignIssue[]) {
    super('CampaignError', issues, 'all');
  }
}

/** Parses and checks a campaign's text. Throws CampaignError (all problems, sorted). */
export function parseCampaignText(source: string, fileName: string): Campaign {
  const { doc, text, pos } = parseYamlSource(source);
  const issue = (p: SourcePos, message: string): CampaignIssue => ({ file: fileName, line: p.line, column: p.column, message });

  if (doc.errors.length) throw new CampaignError(yamlIssues(doc, text, pos).map((x) => issue(x.pos, x.message)));
  if (!isMap(doc.contents)) {
    const at = doc.contents?.range ? pos(doc.contents.range[0]) : { line: 1, column: 1 };
    throw new CampaignError([issue(at, 'a campaign file is a mapping (name:, seed:, budget:, target:, generator: …) — see cases/campaigns/README.md')]);
  }
  const js = documentValue(doc, pos);
  if ('issue' in js) throw new CampaignError([issue(js.issue.pos, js.issue.message)]);
  const raw = js.value;
  const parsed = CampaignSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const out: CampaignIssue[] = [];
    const flat = flattenZodIssues(parsed.error.issues, { schema: CampaignSchema, root: raw, where, pathInMessage: true });
    for (const pi of flat) out.push(issue(locate(doc, pi.path, pi.at === 'key', pos), pi.message));
    throw new CampaignError(out);
  }
  return normaliseCampaign(parsed.data);
}

/** Reads and parses one campaign file. */
export function loadCampaignFile(path: string): Campaign {
  return parseCampaignText(readFileSync(path, 'utf8'), path);
}

/** Every *.yaml / *.yml campaign in a directory, sorted by file name. */
export function loadCampaignDir(dir: string): Array<{ file: string; campaign: Campaign }> {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ file: join(dir, f), campaign: loadCampaignFile(join(dir, f)) }));
}

/** Where a key is missing or unknown, in a campaign's words: "at the top level", "in generator.options". */
function where(path: Path): string {
  return path.length === 0 ? 'at the top level' : `in ${dottedPath(path)}`;
}
