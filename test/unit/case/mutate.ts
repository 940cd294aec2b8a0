// A seeded mutator of case and campaign files, for the mutation test (mutation.test.ts). Each
// mutant says whether it must be refused: the targeted mutators write a value the loader knows to
// be impossible (issue 14); the blind ones (delete a line, insert a character, …) may or may not
// leave a valid file.
import { KNOWN_SYSCTLS } from '../../../lib/case/vocab';
import { Prng } from '../../../lib/util/prng';

export interface Mutant {
  kind: string;
  text: string;
  /** The mutation wrote something no valid case holds: the loader must refuse it. */
  mustReject: boolean;
}

type Mutator = (text: string, r: Prng) => Omit<Mutant, 'kind'> | undefined;

const pick = <T>(r: Prng, xs: readonly T[]): T => xs[r.int(0, xs.length - 1)];
const lines = (t: string) => t.split('\n');

/** Replaces one random match of `re` (global) through `f`; undefined when nothing matches. */
function replaceOne(text: string, r: Prng, re: RegExp, f: (m: RegExpExecArray) => string): string | undefined {
  const hits = [...text.matchAll(re)];
  if (!hits.length) return undefined;
  const m = pick(r, hits) as RegExpExecArray;
  return text.slice(0, m.index) + f(m) + text.slice(m.index! + m[0].length);
}

/** The text with a line inserted after a random `key:` line at that line's indentation. */
function insertKey(text: string, r: Prng, entry: string): string | undefined {
  const ls = lines(text);
  const at = ls.map((l, i) => [l, i] as const).filter(([l]) => /^(\s*)[a-z_]+:/.test(l) && !/^\s*-/.test(l));
  if (!at.length) return undefined;
  const [l, i] = pick(r, at);
  const indent = /^(\s*)/.exec(l)![1];
  ls.splice(i + 1, 0, `${indent}${entry}`);
  return ls.join('\n');
}

const JUNK = [':', '[', ']', '{', '}', '"', "'", '*', '&', '!', '|', '>', '%', '@', '`', '#', '\t', '-', ',', '?', '\\', '\u0000', '\ufeff', 'é', '\r'];
const NUMBERS = [
  '-1',
  '0',
  '65536',
  '4294967296',
  '99999999999999999999',
  '.inf',
  '-.inf',
  '.nan',
  '1e400',
  '0x10',
  '1.5',
  '-0',
  '""',
  'null',
  '~',
  '[]',
  '{}',
];

const MUTATORS: Record<string, Mutator> = {
  // ---- blind
  'delete-line': (t, r) => {
    const ls = lines(t);
    ls.splice(r.int(0, ls.length - 1), 1);
    return { text: ls.join('\n'), mustReject: false };
  },
  'duplicate-line': (t, r) => {
    const ls = lines(t);
    const i = r.int(0, ls.length - 1);
    ls.splice(i, 0, ls[i]);
    return { text: ls.join('\n'), mustReject: false };
  },
  'swap-lines': (t, r) => {
    const ls = lines(t);
    const i = r.int(0, ls.length - 2);
    [ls[i], ls[i + 1]] = [ls[i + 1], ls[i]];
    return { text: ls.join('\n'), mustReject: false };
  },
  'insert-char': (t, r) => {
    const i = r.int(0, t.length);
    return { text: t.slice(0, i) + pick(r, JUNK) + t.slice(i), mustReject: false };
  },
  'delete-char': (t, r) => {
    const i = r.int(0, t.length - 1);
    return { text: t.slice(0, i) + t.slice(i + 1), mustReject: false };
  },
  truncate: (t, r) => ({ text: t.slice(0, r.int(0, t.length)), mustReject: false }),
  'indent-shift': (t, r) => {
    const ls = lines(t);
    const i = r.int(0, ls.length - 1);
    ls[i] = r.int(0, 1) ? ` ${ls[i]}` : ls[i].replace(/^ /, '');
    return { text: ls.join('\n'), mustReject: false };
  },
  'number-edge': (t, r) => {
    const m = replaceOne(t, r, /(?<=[:\[,=]\s?)\d+(?=[\s,\]}]|$)/gm, () => pick(r, NUMBERS));
    return m === undefined ? undefined : { text: m, mustReject: false };
  },
  'cr-only': (t) => ({ text: t.replace(/\n/g, '\r'), mustReject: false }),
  'deep-nesting': (t, r) => {
    const n = r.int(50, 3000);
    const m = replaceOne(t, r, /(?<=: )\S[^\n#]*$/gm, () => `${'['.repeat(n)}1${']'.repeat(n)}`);
    return m === undefined ? undefined : { text: m, mustReject: false };
  },
  'huge-value': (t, r) => {
    const m = replaceOne(t, r, /(?<=: )[A-Za-z0-9][^\n#,}\]]*/gm, (x) => x[0] + 'x'.repeat(r.int(10_000, 300_000)));
    return m === undefined ? undefined : { text: m, mustReject: false };
  },
  // ---- targeted: each writes something impossible, so the file must be refused
  'undefined-alias': (t, r) => {
    const m = replaceOne(t, r, /(?<=^\s*(?:- )?[a-z_]+: )\S[^\n#]*$/gm, () => '*nosuch');
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'alias-bomb': (t, r) => {
    const n = r.int(6, 9);
    const ladder = Array.from(
      { length: n },
      (_, i) =>
        `l${i}: &l${i} [${Array(9)
          .fill(i ? `*l${i - 1}` : 'lol')
          .join(', ')}]`,
    );
    return { text: `${ladder.join('\n')}\n${t}`, mustReject: true };
  },
  'merge-bomb': (t) => {
    const b =
      'm0: &m0 {a: 1, b: 2}\nm1: &m1 {<<: [*m0, *m0, *m0, *m0, *m0, *m0, *m0, *m0, *m0, *m0], c: 1}\nm2: &m2 {<<: [*m1, *m1, *m1, *m1, *m1, *m1, *m1, *m1, *m1, *m1]}\n';
    return { text: b + t, mustReject: true };
  },
  'proto-key': (t, r) => {
    const m = insertKey(t, r, '__proto__: { polluted: 1 }');
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'huge-duration': (t, r) => {
    const m = replaceOne(t, r, /(?<=\b(?:wait|expect_none|within): )\d+(?:\.\d+)?\s*(?:ms|s)\b/g, () =>
      pick(r, ['99999999999999999999ms', '601s', '3000000000ms', '1e30s']),
    );
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'queue-bound': (t, r) => {
    const m = replaceOne(t, r, /(?<=\b(?:acceptq|synq): )[^,}\n]+/g, () => pick(r, ['-1', '65536', '"<0"', '">65535"', '[70000, 80000]']));
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'repeated-flags': (t, r) => {
    const m = replaceOne(t, r, /(?<=\{ ?flags: )[FSRPAUECN]+(?=[ ,}])/g, (x) => x[0].repeat(r.int(2, 2000)));
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'expected-wscale': (t, r) => {
    const m = replaceOne(t, r, /(?<=- expect: \{[^\n]*options: \[)/g, () => `wscale=${r.int(15, 255)}, `);
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'sysctl-value': (t, r) => {
    const m = replaceOne(t, r, /(?<=\bnet\.ipv4\.)(tcp_ecn|tcp_timestamps|tcp_syncookies|ip_default_ttl): [^,}\n]+/g, (x) => {
      const name = x[1];
      return `${name}: ${pick(r, name === 'ip_default_ttl' ? ['0', '256', '300', 'purple'] : name === 'tcp_syncookies' ? ['-1', 'purple', '1.5'] : ['3', '-1', 'purple', '1.5'])}`;
    });
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'sysctl-typo': (t, r) => {
    let real = false;
    const m = replaceOne(t, r, /(?<=\bnet\.ipv4\.)tcp_[a-z_]+(?=:)/g, (x) => {
      const s = x[0];
      const i = r.int(4, s.length - 1);
      const typo = s.slice(0, i) + s.slice(i + 1); // drop one letter: one typo away
      real = KNOWN_SYSCTLS.has(`net.ipv4.${typo}`); // tcp_rmem → tcp_mem is another real sysctl
      return typo;
    });
    return m === undefined ? undefined : { text: m, mustReject: !real };
  },
  'counter-typo': (t, r) => {
    const m = replaceOne(t, r, /(?<=\bcounters: \{[^}\n]*)\b(TcpExt|Tcp|IpExt)[A-Z][A-Za-z]+(?=:)/g, (x) => {
      const s = x[0];
      const i = r.int(x[1].length + 1, s.length - 1);
      return s.slice(0, i) + s.slice(i + 1);
    });
    return m === undefined ? undefined : { text: m, mustReject: true };
  },
  'empty-flows': (t) => {
    if (/^flows:/m.test(t) || !/^steps:/m.test(t) || /^generator:/m.test(t)) return undefined;
    return { text: t.replace(/^steps:/m, 'flows: {}\nsteps:'), mustReject: true };
  },
};

export const MUTATOR_NAMES: readonly string[] = Object.keys(MUTATORS);

/** `n` mutants of the given files, the same for the same seed. */
export function* mutants(files: ReadonlyArray<{ file: string; text: string }>, seed: number, n: number): Generator<Mutant & { file: string }> {
  const r = new Prng(seed);
  let made = 0;
  while (made < n) {
    const f = pick(r, files);
    const kind = pick(r, MUTATOR_NAMES);
    const m = MUTATORS[kind](f.text, r);
    if (!m || m.text === f.text) continue;
    made++;
    yield { ...m, kind, file: f.file };
  }
}
