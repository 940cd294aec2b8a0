// One-off rewrite of case files written before model agreement became the default of every `expect`
// pattern: a pattern without `model:` gets `model: false` (it checked only its written fields and
// still does), and `model: true` (now the default) is removed. Edits the text in place, so comments
// and layout stay; files are only rewritten when something changes. Run it on case files written
// under the old rule only (a second run would turn new-style patterns into model: false):
//   npx ts-node --transpile-only scripts/migrate-model-default.ts cases/listener/foo.yaml …
import { readFileSync, writeFileSync } from 'fs';
import { isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';

interface Edit {
  at: number;
  end: number;
  text: string;
}

/** The edits for one pattern map: insert model: false, or drop model: true. */
function patternEdits(src: string, m: YAMLMap): Edit[] {
  const pairs = m.items as Pair[];
  const i = pairs.findIndex((p) => isScalar(p.key) && p.key.value === 'model');
  const keyStart = (p: Pair): number => (p.key as { range: [number, number, number] }).range[0];
  if (i < 0) {
    const at = keyStart(pairs[0]);
    if (m.flow) return [{ at, end: at, text: 'model: false, ' }];
    const lineStart = src.lastIndexOf('\n', at - 1) + 1;
    const indent = src.slice(lineStart, at);
    // `- expect:\n    flags: …` (indent is spaces) or `- flags: …` in a list (indent ends in '- ')
    return [{ at, end: at, text: /^ *$/.test(indent) ? `model: false\n${indent}` : `model: false\n${indent.replace(/-/g, ' ')}` }];
  }
  const p = pairs[i];
  if (!isScalar(p.value) || p.value.value !== true) return [];
  const at = keyStart(p);
  if (m.flow) {
    const next = pairs[i + 1];
    if (next) return [{ at, end: keyStart(next), text: '' }];
    const prevEnd = (pairs[i - 1].value as { range: [number, number, number] }).range[1];
    return [{ at: prevEnd, end: (p.value as { range: [number, number, number] }).range[1], text: '' }];
  }
  if (i === 0) {
    // the first key of a block map shares its line with `- ` or `expect:`; the next key takes its place
    const next = pairs[i + 1];
    if (!next) throw new Error('a block pattern holding only model: true');
    return [{ at, end: keyStart(next), text: '' }];
  }
  const lineStart = src.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = src.indexOf('\n', at);
  return [{ at: lineStart, end: lineEnd < 0 ? src.length : lineEnd + 1, text: '' }];
}

export function migrate(src: string): string {
  const doc = parseDocument(src, { keepSourceTokens: true });
  if (doc.errors.length) throw new Error(doc.errors[0].message);
  const steps = isMap(doc.contents) ? doc.contents.get('steps') : undefined;
  const edits: Edit[] = [];
  if (isSeq(steps)) {
    for (const s of steps.items) {
      if (!isMap(s)) continue;
      const ex = s.get('expect');
      const pats = isMap(ex) ? [ex] : isSeq(ex) ? ex.items : [];
      for (const p of pats) if (isMap(p) && p.items.length) edits.push(...patternEdits(src, p));
    }
  }
  let out = src;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

if (require.main === module) {
  let changed = 0;
  for (const f of process.argv.slice(2)) {
    const src = readFileSync(f, 'utf8');
    const out = migrate(src);
    if (out !== src) {
      writeFileSync(f, out);
      changed++;
    }
  }
  process.stdout.write(`${changed} of ${process.argv.length - 2} file(s) rewritten\n`);
}
