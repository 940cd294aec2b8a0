// packetdrill's `grep PAT FILE… | grep PAT2 …` shell lines over /proc/net/tcp{,6}: the command
// succeeds (exit 0) when some line gets through every grep. The files are read in the DUT's namespace
// by the runner; this is grep itself, for fixed-string patterns. Pure.

import type { GrepPipeline } from '../case/types';

export type { GrepPipeline };

/** /proc/net files a script may grep: the DUT's namespace's socket tables. */
export const GREPPABLE = ['/proc/net/tcp', '/proc/net/tcp6'];

/** The lines that get through the pipeline (the first grep prefixes each with its file's name when given several, as grep does). */
export function grepLines(p: GrepPipeline, texts: readonly string[]): string[] {
  const lines = p.files.flatMap((f, i) =>
    (texts[i] ?? '')
      .split('\n')
      .filter((l) => l.length)
      .map((l) => (p.files.length > 1 ? `${f}:${l}` : l)),
  );
  return p.patterns.reduce((ls, pat) => ls.filter((l) => l.includes(pat)), lines);
}

/** The pipeline of a shell command, when it is one: `grep "P" FILE… [| grep "P2"]…` with plain-text patterns on GREPPABLE files; else undefined. */
export function parseGrepPipeline(words: string[][]): GrepPipeline | undefined {
  const patterns: string[] = [];
  let files: string[] = [];
  for (const [i, w] of words.entries()) {
    if (w[0] !== 'grep' || w.length < 2 || w.slice(1).some((x) => x.startsWith('-'))) return undefined;
    // fixed strings only: a pattern with a regular-expression character would need grep's own engine
    if (/[.[\]*^$\\+?(){}|]/.test(w[1])) return undefined;
    patterns.push(w[1]);
    if (i === 0) {
      files = w.slice(2);
      if (!files.length || !files.every((f) => GREPPABLE.includes(f))) return undefined;
    } else if (w.length > 2) return undefined;
  }
  return files.length ? { files, patterns } : undefined;
}
