// Loading campaign files: YAML text → Campaign, or a CampaignError listing every problem as
// `file:line:column: message`. parseCampaignText is pure; loadCampaignFile / loadCampaignDir are the
// only functions here that touch the file system.
//
// Issue format, sorting, positions, YAML syntax errors, the schema's keys and suggestions come from
// lib/yaml-kit, as for case files: zod issue paths are walked through the YAML document to the node
// (or, for unknown and missing keys, the key) they name.
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { isMap } from 'yaml';
import { documentValue, locateNode as locate, parseYamlSource, type Path, type SourcePos, yamlIssues } from '../yaml-kit/yaml-source';
import { keysAt } from '../yaml-kit/schema-keys';
import type { z } from 'zod';
import { fittingBranches, issueMessage } from '../yaml-kit/zod-branches';
import { SourceIssue, SourceIssuesError } from '../yaml-kit/issues';
import { closest } from '../yaml-kit/suggest';
import { Campaign, CampaignSchema, normaliseCampaign } from './campaign-schema';

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
    for (const pi of flatten(parsed.error.issues, [])) out.push(issue(locate(doc, pi.path, pi.atKey, pos), pi.message));
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

// ---------------------------------------------------------------------------------------------
// zod issues → (path, message)

type ZIssue = z.core.$ZodIssue;
interface PathIssue {
  path: Path;
  atKey: boolean;
  message: string;
}

/** "path: message", unless the message already starts with the path's last key. */
function at(path: Path, message: string): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && (message.startsWith(`${last}:`) || message.startsWith(`${last} `))) return message;
  return `${dotted(path)}: ${message}`;
}

function dotted(path: Path): string {
  return path.length === 0
    ? 'the top level'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

function flatten(issues: readonly ZIssue[], prefix: Path): PathIssue[] {
  const out: PathIssue[] = [];
  for (const iss of issues) {
    const path: Path = [...prefix, ...(iss.path as Array<string | number>)];
    switch (iss.code) {
      case 'invalid_union': {
        const fitting = fittingBranches(iss);
        if (fitting.length === 0) out.push({ path, atKey: false, message: at(path, issueMessage(iss)) });
        else out.push(...flatten(fitting[0], path));
        break;
      }
      case 'unrecognized_keys':
        for (const k of iss.keys) {
          out.push({ path: [...path, k], atKey: true, message: `unknown key '${k}' in ${dotted(path)}${suggestKey(k, path)}` });
        }
        break;
      case 'invalid_key': {
        const inner = (iss as { issues?: ZIssue[] }).issues ?? [];
        for (const x of inner.length ? inner : [iss]) out.push({ path, atKey: true, message: at(path, issueMessage(x)) });
        break;
      }
      case 'invalid_type':
        if (iss.input === undefined) {
          out.push({ path, atKey: true, message: `missing ${String(path[path.length - 1])} in ${dotted(path.slice(0, -1))} — ${iss.message}` });
          break;
        }
        out.push({ path, atKey: false, message: at(path, issueMessage(iss)) });
        break;
      default: {
        // "budget is empty", "every weight is 0"… say nothing new next to an unknown key there
        const here = JSON.stringify(iss.path);
        if (iss.code === 'custom' && issues.some((o) => o.code === 'unrecognized_keys' && JSON.stringify(o.path) === here)) break;
        const params = (iss as { params?: { at?: string } }).params;
        out.push({ path, atKey: params?.at === 'key', message: at(path, issueMessage(iss)) });
      }
    }
  }
  return out;
}

function suggestKey(k: string, path: Path): string {
  const known = keysAt(CampaignSchema as unknown as z.ZodType, path, undefined);
  if (!known.length) return ' — remove it';
  const g = closest(k, known);
  return ` — ${g ? `did you mean '${g}'? ` : ''}known keys: ${known.join(', ')}`;
}
