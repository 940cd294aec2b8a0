// Where things are in a YAML source: the parsed document with a line:column for every offset, the
// position of the node a schema path names, and YAML syntax errors turned into positioned, actionable
// messages. Shared by the case loader and the fuzz campaign loader. Pure.
import { Alias, Document, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, visit, YAMLMap, YAMLSeq } from 'yaml';

export type Path = ReadonlyArray<string | number>;
/** 1-based line and column of a token in a source file. */
export interface SourcePos {
  line: number;
  column: number;
}

/** A YAML source parsed for checking: the document (duplicate keys are errors), its text with line ends
 * made LF-only (offsets unchanged), and the 1-based line:column of an offset. */
export interface YamlSource {
  doc: Document;
  text: string;
  pos: (offset: number) => SourcePos;
}

export function parseYamlSource(source: string): YamlSource {
  const text = lineEnds(source);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  const pos = (offset: number): SourcePos => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return { doc, text, pos };
}

/**
 * The position of the node at `path`: the value, or its key when `atKey` (or when the value is
 * empty). A path that runs past the document points at the deepest key that exists.
 */
export function locateNode(doc: Document, path: Path, atKey: boolean, pos: (o: number) => SourcePos): SourcePos {
  let node: unknown = doc.contents;
  let key: Node | null = null;
  let found = true;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = (node as YAMLMap).items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      if (!pair) {
        found = false;
        break;
      }
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < (node as YAMLSeq).items.length) {
      key = null;
      node = (node as YAMLSeq).items[seg];
    } else {
      found = false;
      break;
    }
  }
  const empty = !node || (isScalar(node) && node.value === null && (node.range?.[0] ?? 0) === (node.range?.[1] ?? 0));
  if (key && (atKey || !found || empty) && key.range) return pos(key.range[0]);
  const n = node as Node | null;
  if (n && n.range) return pos(n.range[0]);
  if (key && key.range) return pos(key.range[0]);
  return { line: 1, column: 1 };
}

function keyText(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  return String(k);
}

// ---------------------------------------------------------------------------------------------
// YAML syntax errors

export function yamlIssues(doc: Document, text: string, pos: (o: number) => SourcePos): Array<{ pos: SourcePos; message: string }> {
  // Flow collections ([…], {…}) whose text does not end with their closing bracket.
  const unclosed: Array<{ start: number; close: string }> = [];
  visit(doc, {
    Seq(_, n) {
      if (n.flow && n.range && !text.slice(n.range[0], n.range[1]).trimEnd().endsWith(']')) unclosed.push({ start: n.range[0], close: ']' });
    },
    Map(_, n) {
      if (n.flow && n.range && !text.slice(n.range[0], n.range[1]).trimEnd().endsWith('}')) unclosed.push({ start: n.range[0], close: '}' });
    },
  });
  const reported = new Set<number>();
  const out: Array<{ pos: SourcePos; message: string }> = [];
  for (const e of doc.errors) {
    let at = e.pos[0];
    // Point a block-scalar header error at its '>' or '|', where the value starts.
    if (/Block scalar header/.test(e.message)) while (at > 0 && text[at] !== '>' && text[at] !== '|' && text[at - 1] !== '\n') at--;
    const msg = e.message.replace(/\s+/g, ' ').replace(/\.$/, '');
    if (/end with a [\]}]/.test(msg)) {
      const open = unclosed
        .filter((u) => u.start < at)
        .sort((a, b) => b.start - a.start)
        .find((u) => !reported.has(u.start));
      if (open) {
        reported.add(open.start);
        const p = pos(at);
        out.push({
          pos: pos(open.start),
          message: `this '${open.close === ']' ? '[' : '{'}' is never closed — add the matching '${open.close}' (the YAML parser gave up at line ${p.line}, column ${p.column})`,
        });
        continue;
      }
      if (unclosed.some((u) => u.start < at)) continue; // same bracket, already reported
    }
    out.push({ pos: pos(at), message: `YAML syntax error: ${msg} — ${yamlHint(e.code, msg, text, at)}` });
  }
  return out;
}

function yamlHint(code: string, msg: string, text: string, at: number): string {
  const ch = text[at];
  if (code === 'BAD_ALIAS' || ch === '*') return 'a value starting with * is a YAML alias; for "any value" quote it: "*"';
  if (/Block scalar header/.test(msg) || ch === '>' || ch === '|') {
    return 'a value starting with > or | begins a YAML block of text; quote it, e.g. kernel: ">=6.1"';
  }
  if (code === 'DUPLICATE_KEY') return 'a key may appear once per mapping; keep one of them';
  if (code === 'TAB_AS_INDENT') return 'indent with spaces, not tabs';
  if (code === 'MULTIPLE_DOCS') return "a case file holds one case; remove the '---' or split the file";
  if (code === 'BAD_INDENT') return 'line the keys of one mapping up in the same column';
  return 'check the YAML near here; quote values that contain ": " or " #", or start with * & ! | > % @ `';
}

// ---------------------------------------------------------------------------------------------
// YAML → plain values, with aliases bounded

/** How many times aliases (*name, and << merges of them) may be expanded in one file. */
export const MAX_ALIAS_EXPANSIONS = 100;

/**
 * The document as plain values, or a positioned problem when an alias is undefined or aliases
 * expand too often (a "billion laughs" or merge-key bomb). The yaml library throws on both;
 * this never does.
 */
export function documentValue(doc: Document, pos: (o: number) => SourcePos): { value: unknown } | { issue: { pos: SourcePos; message: string } } {
  // toJS would set an object's prototype from a __proto__ key instead of keeping it as a key.
  let proto: SourcePos | undefined;
  visit(doc, {
    Pair(_, p) {
      if (isScalar(p.key) && p.key.value === '__proto__') {
        proto = p.key.range ? pos(p.key.range[0]) : { line: 1, column: 1 };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (proto) return { issue: { pos: proto, message: "'__proto__' cannot be a key — no case or campaign key has this name; rename or remove it" } };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }) as unknown };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const aliases: Alias[] = [];
    visit(doc, {
      Alias(_, n) {
        aliases.push(n);
      },
    });
    const unresolved = /Unresolved alias[^:]*:\s*(.*)$/.exec(msg);
    const at = (n: Alias | undefined): SourcePos => (n?.range ? pos(n.range[0]) : { line: 1, column: 1 });
    if (unresolved) {
      const name = unresolved[1];
      const n = aliases.find((a) => a.source === name);
      return {
        issue: {
          pos: at(n),
          message: `*${cut(name, 40)} names no anchor defined above it — define &${cut(name, 40)} on an earlier value, or quote the value if you meant a literal "*"`,
        },
      };
    }
    if (/Excessive alias count/.test(msg)) {
      return {
        issue: {
          pos: at(aliases[0]),
          message: `YAML aliases here expand to more than ${MAX_ALIAS_EXPANSIONS} copies (an alias or merge-key bomb) — write the values out, or alias only small values a few times`,
        },
      };
    }
    return {
      issue: { pos: at(aliases[0]), message: `the YAML cannot be read as values: ${cut(msg, 200)} — check the aliases (*name) and merge keys (<<) here` },
    };
  }
}

/** `s` cut to at most `max` characters, saying how much was cut. */
export function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

/** Lone CRs (old Mac line ends) become LFs; same length, so every offset stays where it was. */
function lineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}
