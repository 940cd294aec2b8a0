// zod issues → problems at paths of the source document, with messages that say what to do: the
// union branch the author meant, unknown keys with did-you-mean and the keys accepted there, missing
// keys with the schema's advice. One flattener for the case and the campaign loader; each says how it
// names a place (`where`) and whether a value's message names its path. Pure.
import type { z } from 'zod';
import { keysAt } from './schema-keys';
import { closest } from './suggest';
import type { Path } from './yaml-source';
import { fittingBranches, issueMessage } from './zod-branches';

type ZIssue = z.core.$ZodIssue;

/** A problem at a path of the YAML document; `at: 'key'` points at the key rather than its value. */
export interface PathIssue {
  path: Path;
  message: string;
  at?: 'key';
}

/** The params of a custom issue about an object's content as a whole (see flattenZodIssues). */
export const WHOLE_OBJECT = { wholeObject: true } as const;

export interface FlattenOptions {
  /** the schema parsed against, for the keys an object accepts */
  schema: z.ZodType;
  /** the document's value (a discriminated union then offers only its branch's keys) */
  root: unknown;
  /** where a key is missing or unknown: "at the top level", "in step 3", "in generator.options" */
  where: (path: Path) => string;
  /** put the path in front of a value's message ("generator.options.malformed: 1.5 is above 1 — …") */
  pathInMessage?: boolean;
}

/**
 * Flattens zod issues (nested in unions) into path issues, choosing the union branch that fits.
 * A custom issue marked `params: WHOLE_OBJECT` ("a step needs one action", "budget is empty") is
 * left out where the same object has an unknown key: the unknown key says it better.
 */
export function flattenZodIssues(issues: readonly ZIssue[], opts: FlattenOptions, prefix: Path = []): PathIssue[] {
  const out: PathIssue[] = [];
  const value = (path: Path, message: string, atKey = false): PathIssue => {
    const m = opts.pathInMessage ? withPath(path, message) : message;
    return atKey ? { path, message: m, at: 'key' } : { path, message: m };
  };
  for (const iss of issues) {
    const path: Path = [...prefix, ...(iss.path as Array<string | number>)];
    switch (iss.code) {
      case 'invalid_union': {
        const fitting = fittingBranches(iss);
        if (iss.input === undefined && path.length > 0) {
          out.push({ path, message: missingMessage(path, iss.message, opts) });
        } else if (fitting.length === 0 || (iss as { note?: string }).note) {
          out.push(value(path, issueMessage(iss)));
        } else {
          const depth = (b: ZIssue[]) => Math.max(...b.map((x) => x.path.length));
          fitting.sort((a, b) => depth(b) - depth(a) || a.length - b.length);
          out.push(...flattenZodIssues(fitting[0], opts, path));
        }
        break;
      }
      case 'unrecognized_keys':
        for (const k of iss.keys) out.push({ path: [...path, k], at: 'key', message: unknownKeyMessage(k, path, opts) });
        break;
      case 'invalid_key': {
        // a record's key refused by its key schema: at the key
        const inner = (iss as { issues?: ZIssue[] }).issues ?? [];
        for (const x of inner.length ? inner : [iss]) out.push(value(path, issueMessage(x), true));
        break;
      }
      case 'invalid_type':
        if (iss.input === undefined && path.length > 0) out.push({ path, message: missingMessage(path, iss.message, opts) });
        else out.push(value(path, issueMessage(iss)));
        break;
      case 'custom': {
        const params = (iss as { params?: { at?: string; wholeObject?: boolean } }).params;
        if (params?.wholeObject && issues.some((o) => o.code === 'unrecognized_keys' && samePath(o.path, iss.path))) break;
        out.push(value(path, iss.message, params?.at === 'key'));
        break;
      }
      default:
        out.push(value(path, issueMessage(iss)));
    }
  }
  return out;
}

/** "missing port in listen — <what to do, taken from the schema's message>" */
function missingMessage(path: Path, schemaMessage: string, opts: FlattenOptions): string {
  const key = String(path[path.length - 1]);
  const dash = schemaMessage.indexOf(' — ');
  const todo = dash === -1 ? `add ${key}:` : schemaMessage.slice(dash + 3);
  return `missing ${key} ${opts.where(path.slice(0, -1))} — ${todo}`;
}

function unknownKeyMessage(key: string, path: Path, opts: FlattenOptions): string {
  const known = keysAt(opts.schema, path, opts.root);
  const g = closest(key, known);
  const list = known.length ? `known keys here: ${known.join(', ')}` : 'remove it';
  return `unknown key '${key}' ${opts.where(path)} — ${g ? `did you mean '${g}'? ` : ''}${list}`;
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** "path: message", unless the message already starts with the path's last key. */
function withPath(path: Path, message: string): string {
  const last = path[path.length - 1];
  if (path.length === 0 || (typeof last === 'string' && (message.startsWith(`${last}:`) || message.startsWith(`${last} `)))) return message;
  return `${dottedPath(path)}: ${message}`;
}

/** generator.options.mss[0] */
export function dottedPath(path: Path): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}
