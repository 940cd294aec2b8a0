// The house rule on lib/'s imports (README, "Layout"): nothing under lib/ imports in a circle, and
// lib/ never imports from harness/. Every import counts, `import type` and `export … from` included
// (ts.preProcessFile reads them as the compiler does), so a cycle cannot hide behind a type.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const REPO = path.resolve(__dirname, '../../..');

type Graph = Map<string, string[]>;

function walk(dir: string, out: string[]): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The file a relative specifier names (x.ts, x.d.ts, x/index.ts), or the specifier's path when none exists. */
function resolve(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, `${base}.d.ts`, path.join(base, 'index.ts'), base]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return base;
}

/** Every .ts file under `root` (repo-relative) and the repo-relative files its relative imports name. */
function importGraph(root: string): Graph {
  const g: Graph = new Map();
  for (const file of walk(path.join(REPO, root), []).sort()) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const deps = info.importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith('.'))
      .map((s) => path.relative(REPO, resolve(file, s)));
    g.set(path.relative(REPO, file), [...new Set(deps)].sort());
  }
  return g;
}

/** One cycle per strongly connected component with more than one file (or a file importing itself), as a path a → … → a. */
export function findCycles(g: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const sccs: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) sccs.push(c);
    }
  };
  for (const v of g.keys()) if (!index.has(v)) strong(v);
  // A concrete circle inside each component: breadth-first from its first file back to itself.
  return sccs.map((c) => {
    const inC = new Set(c);
    const start = [...c].sort()[0];
    const prev = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const w of g.get(queue[i]) ?? []) {
        if (!inC.has(w)) continue;
        if (w === start) {
          const p = [start];
          for (let x = queue[i]; x !== start; x = prev.get(x)!) p.unshift(x);
          return [start, ...p];
        }
        if (!prev.has(w)) {
          prev.set(w, queue[i]);
          queue.push(w);
        }
      }
    }
    return c;
  });
}

describe('structure: lib/ imports', () => {
  const g = importGraph('lib');

  it('reads the whole of lib/ (the walker sees the model, the codec and the matcher)', () => {
    expect(g.size).to.be.greaterThan(50);
    expect(g.get('lib/model/kernel/v4-rcv.ts')).to.include('lib/model/kernel/check-req.ts');
  });

  it('finds a cycle when there is one (self-test on a made-up graph)', () => {
    const made: Graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(findCycles(made)).to.deep.equal([
      ['a', 'b', 'c', 'a'],
      ['e', 'e'],
    ]);
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).to.deep.equal([]);
  });

  it('has no import cycle anywhere under lib/', () => {
    const cycles = findCycles(g).map((c) => c.join(' → '));
    expect(cycles, `import cycles under lib/ (break each: move the shared part into a file both import):\n${cycles.join('\n')}\n`).to.deep.equal([]);
  });

  it('never imports from harness/ (lib/ is pure)', () => {
    const bad: string[] = [];
    for (const [file, deps] of g) for (const d of deps) if (!d.startsWith('lib' + path.sep) && !d.startsWith('lib/')) bad.push(`${file} → ${d}`);
    expect(bad, `lib/ files importing from outside lib/:\n${bad.join('\n')}\n`).to.deep.equal([]);
  });

  it('model machinery (lib/model/core/) imports nothing from the kernel mirrors (lib/model/kernel/)', () => {
    const bad: string[] = [];
    for (const [file, deps] of g)
      if (file.startsWith('lib/model/core/')) for (const d of deps) if (d.startsWith('lib/model/kernel/')) bad.push(`${file} → ${d}`);
    expect(bad).to.deep.equal([]);
  });
});
