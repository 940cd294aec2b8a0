// A campaign's `listen.sockopts` / `connect.sockopts` on the DUT's sockets, and as the model knows them
// (the same reading as a case's: lib/match/model-events.ts modelSockopts; a TCP_MD5SIG key is for the
// peer's address).
import { modelSockopts } from '../../lib/match/model-events';
import type { SockOpts } from '../../lib/model/core/sockopts';
import type { Campaign } from '../../lib/fuzz/campaign';
import type { Lab } from '../topology/lab';

export type CampaignSockopts = Readonly<Record<string, number | string>>;

/** The model's SockOpts for a campaign's socket options, `peer` being the peer's address. */
export function campaignModelSockopts(o: CampaignSockopts, peer: string): SockOpts {
  return modelSockopts(
    Object.entries(o).map(([name, value]) => ({ name, value })),
    peer,
  );
}

/** setsockopt each option on `fd` (an MD5 key for `peer`); a refusal says which option and why. */
export async function applySockopts(lab: Lab, fd: number, peer: string, o: CampaignSockopts): Promise<void> {
  for (const [name, value] of Object.entries(o)) {
    const v = name === 'TCP_MD5SIG' ? { key: String(value), addr: peer } : value;
    const r = await lab.agent.call('setsockopt', { fd, name, value: v });
    if (!r.ok) throw new Error(`campaign socket option ${name}: setsockopt failed (${r.err}${r.msg ? ` — ${r.msg}` : ''}); fix the campaign's sockopts`);
  }
}

/** A campaign's socket options as prepareLab takes them (only those it has). */
export function socketOptionsOf(c: Campaign): { listenSockopts?: CampaignSockopts; connectSockopts?: CampaignSockopts } {
  const l = c.listen?.sockopts;
  const k = c.connect?.sockopts;
  return { ...(l && Object.keys(l).length ? { listenSockopts: l } : {}), ...(k && Object.keys(k).length ? { connectSockopts: k } : {}) };
}
