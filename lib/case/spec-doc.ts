// The section numbers of docs/handshake-spec.md, read from its Markdown headings ("## 4. Passive
// open", "### 4.7 Initial receive window"). Pure: the text comes in, the sections go out.
// scripts/gen-spec-sections.ts writes them to lib/case/spec-sections.ts, which the case loader
// reads; a unit test fails when that module and the document disagree.

export interface SpecSection {
  /** "§4.7" */
  id: string;
  title: string;
  /** 1-based line of the heading in the document. */
  line: number;
}

const HEADING = /^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s+(.+?)\s*$/;

/** Every numbered heading, in document order. A number given twice is an error (one source of truth). */
export function parseSpecHeadings(markdown: string): SpecSection[] {
  const out: SpecSection[] = [];
  const seen = new Map<string, number>();
  markdown.split(/\r?\n/).forEach((text, i) => {
    const m = HEADING.exec(text);
    if (!m) return;
    const id = `§${m[1]}`;
    const before = seen.get(id);
    if (before !== undefined) throw new Error(`docs/handshake-spec.md:${i + 1}: section ${id} is already the heading on line ${before}`);
    seen.set(id, i + 1);
    out.push({ id, title: m[2], line: i + 1 });
  });
  return out;
}

/** The TypeScript module the generator writes (stable text, so the test can compare it byte for byte). */
export function specSectionsModule(sections: readonly SpecSection[]): string {
  const rows = sections.map((s) => `  [${JSON.stringify(s.id)}, ${JSON.stringify(s.title)}],`).join('\n');
  return [
    '// Generated from docs/handshake-spec.md by scripts/gen-spec-sections.ts — do not edit.',
    '// The spec sections a case may cite (`spec: ["§4.7"]`), with their titles.',
    '',
    'export const SPEC_SECTIONS: ReadonlyMap<string, string> = new Map([',
    rows,
    ']);',
    '',
  ].join('\n');
}

function parts(id: string): number[] {
  return id.slice(1).split('.').map(Number);
}

/** Up to `n` existing sections nearest to a missing one: the same parent first, then by number. */
export function nearestSections(missing: string, known: Iterable<string>, n = 3): string[] {
  const want = parts(missing);
  const scored = [...known].map((id) => {
    const p = parts(id);
    let common = 0;
    while (common < p.length && common < want.length && p[common] === want[common]) common++;
    const next = Math.abs((p[common] ?? 0) - (want[common] ?? 0));
    return { id, score: -common * 1e6 + next * 10 + Math.abs(p.length - want.length) };
  });
  scored.sort((a, b) => a.score - b.score);
  return scored.slice(0, n).map((s) => s.id);
}
