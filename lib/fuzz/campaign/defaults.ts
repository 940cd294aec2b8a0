// What a campaign file may leave out, and what it then gets: the packet mix per target, the generator's
// ranges and probabilities, the sockets, the rotation. Pure.
import { parseOptionSpec } from '../../wire/tcp-option-spec';
/** The listener's backlog, as a case's. */
export { DEFAULT_BACKLOG } from '../../case/normalise/defaults';
import type { Target } from '../probe';
import type { GeneratorConfig } from './types';

/** Default mix per target. */
export const DEFAULT_KINDS: Readonly<Record<Target, Readonly<Record<string, number>>>> = {
  listener: { syn: 55, syn_opts: 20, ack: 5, cookie_ack: 5, rst: 4, fin: 4, no_flags: 2, data: 2, flags: 3, tfo_valid: 0 },
  request: { ack: 20, window_edge: 10, tsecr: 10, paws: 8, data: 8, fin: 6, rst: 10, dup_syn: 8, syn_ack: 4, no_ack: 4, flags: 8 },
  synsent: { synack: 30, synack_tsecr: 12, synack_opts: 8, synack_data: 6, rst: 8, rst_ack: 10, ack_only: 8, syn: 10, flags: 8, synack_tfo: 0 },
  established: { syn: 20, synack: 6, rst: 20, ack: 15, data: 10, fin: 8, ts_paws: 8, flags: 10 },
  timewait: { syn: 25, rst: 20, ack: 15, fin: 12, data: 8, ts_paws: 10, flags: 10 },
};

/** Probes per sysctl profile before the next one (rotate_every). */
export const DEFAULT_ROTATE_EVERY = 10000;
/** With no profiles: one, the DUT's defaults. */
export const DEFAULT_PROFILE = 'defaults';
export const DEFAULT_LISTEN_PORT = 8080;
export const DEFAULT_CONNECT_PORT = 9000;
/** timewait: probability that the peer answers the DUT's FIN with its own (TIME_WAIT) */
export const DEFAULT_TIMEWAIT_FIN = 0.75;

const DEFAULT_SETUP_OPTIONS = 'mss=1460,sackOK,ts,nop,wscale=7';

export function defaultGenerator(target: Target): GeneratorConfig {
  return {
    kinds: { ...DEFAULT_KINDS[target] },
    ports: [10000, 59999],
    isnEdge: 0.05,
    flags: { extra: 0.08, reserved: 0.02 },
    seq: { offsets: [-1, 0, 1], edge: 0.85 },
    ack: { offsets: [-1, 0, 1], edge: 0.85 },
    window: { values: [0, 1, 1024, 8192, 29200, 64240, 65535], random: 0.15 },
    options: {
      count: [0, 8],
      weights: { mss: 5, wscale: 4, sackOK: 4, ts: 4, nop: 4, eol: 1, tfo: 1, tfoexp: 0.5, sack: 1, unknown: 1, md5: 0.05 },
      mss: [0, 1, 48, 88, 536, 1220, 1300, 1440, 1460, 8960, 65495, 65535],
      mssRandom: 0.2,
      wscale: [0, 14],
      wscaleInvalid: 0.15,
      malformed: 0.2,
      mutators: {
        ws_len4: 2,
        ts_len9: 2,
        ts_len11: 1,
        sackok_len3: 2,
        mss_len3: 1,
        mss_len5: 1,
        silly_len: 2,
        past_end: 2,
        lone_kind: 1,
        after_eol: 1,
        duplicate: 2,
        tfo_odd: 1,
        md5_len: 0.5,
        unknown_kind: 2,
        zero_len_tlv: 1,
      },
      shuffle: 0.3,
      ts: 0.85,
      extra: 0.15,
    },
    tsecr: { inside: 4, outside: 3, zero: 1, random: 1 },
    tsval: { older: 2, same: 4, newer: 3, zero: 1, wrap: 1 },
    payload: { p: 0.08, max: 24 },
    tos: { p: 0.2 },
    mistakes: { badChecksum: 0.003, ipChecksum: 0.001, dataOffset: 0.003 },
    setup: { ts: 0.9, options: parseOptionSpec(DEFAULT_SETUP_OPTIONS) },
    via: 'passive',
  };
}
