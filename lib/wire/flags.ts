// TCP flags as scapy letters (F S R P A U E C N, N = AE). Reserved bits are not letters.
import { FLAG_LETTERS } from './types';

/** Letters for the set flags in F S R P A U E C N order; reserved bits (0xe00) are not shown. */
export function flagsToString(flags: number): string {
  let s = '';
  for (const [letter, bit] of FLAG_LETTERS) if (flags & bit) s += letter;
  return s;
}

const VALID = FLAG_LETTERS.map(([l]) => l).join(' ');

/**
 * Parses flag letters in any order, case-insensitively ('' → 0). Throws an Error naming the bad
 * letter and listing the valid ones.
 */
export function parseFlags(s: string): number {
  let flags = 0;
  for (const ch of s) {
    const up = ch.toUpperCase();
    const hit = FLAG_LETTERS.find(([l]) => l === up);
    if (!hit) {
      throw new Error(`unknown TCP flag letter '${ch}' in ${JSON.stringify(s)}; valid letters: ${VALID}`);
    }
    flags |= hit[1];
  }
  return flags;
}
