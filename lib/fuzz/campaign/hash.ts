// The campaign hash a checkpoint is tied to. Pure.
import { shortHash, stableStringify } from '../../util/stable-hash';
import type { Campaign } from './types';

/**
 * A hash of everything that decides the probe sequence (name, seed, target, ip, profiles, rotation,
 * sockets, generator). Budget and credit window are left out: extending the budget or changing the
 * pacing keeps a checkpoint valid.
 */
export function campaignHash(c: Campaign): string {
  const { budget: _b, window: _w, description: _d, ...rest } = c;
  return shortHash(stableStringify(rest), 16);
}
