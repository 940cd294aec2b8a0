// Campaign files (cases/campaigns/*.yaml), split as the case format is: vocabulary (vocab.ts), the
// normalised Campaign (types.ts), defaults (defaults.ts), the YAML schema (schema.ts), normalisation
// (normalise.ts) and the hash a checkpoint is tied to (hash.ts). Reading files: ../campaign-load.ts.
//
// A campaign says: which state to fuzz (`target`), with which seed and budget, under which sysctl
// profiles (rotated in blocks of `rotate_every` probes) and IP versions (alternating by index), and
// how packets vary (`generator`: packet classes by weight, flag/option/field ranges, malformed-option
// mutators, the sequence/ack/timestamp edges that matter). See cases/campaigns/README.md.
export * from './vocab';
export * from './types';
export * from './defaults';
export { CampaignSchema } from './schema';
export type { CampaignRaw } from './schema';
export { isActive, normaliseCampaign } from './normalise';
export { campaignHash } from './hash';
