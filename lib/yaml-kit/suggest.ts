// "Did you mean …?" for names typed in source files (cases, campaigns, CLI names). Pure.

/** Damerau-style edit distance (insert, delete, substitute, swap adjacent), case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const m = a.length;
  const n = b.length;
  const d: number[][] = [];
  for (let i = 0; i <= m; i++) d.push(new Array<number>(n + 1).fill(0));
  for (let i = 0; i <= m; i++) d[i][0] = i;
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[m][n];
}

/** The closest candidate within a distance that scales with the word's length, or undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: skip the O(m·n) table when it cannot win
    // (a 300 KB typo against short names took seconds).
    if (Math.abs(c.length - word.length) > limit) continue;
    const dist = editDistance(word, c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  // A suggestion must keep something of the word: 'c' does not suggest 'a'.
  return bestD <= limit && bestD < word.length ? best : undefined;
}

/** " — did you mean 'x'?" or '' */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `did you mean '${c}'?`;
}

/** Joins list items for a message: "a, b or c". */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
