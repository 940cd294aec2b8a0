// What a case file may leave out, and what it then gets (cases/README.md says the same). Pure.
export { DEFAULT_WITHIN_MS } from '../types';

export const DEFAULT_IP = 4;
/** An expect pattern agrees with the model unless it says model: false. */
export const DEFAULT_MODEL_AGREEMENT = true;
/** a passive case's flows: 40000, 40001, … in order */
export const DEFAULT_SPORT = 40000;
export const DEFAULT_ISN = 1000;
export const DEFAULT_FLOW = 'a';
export const DEFAULT_WINDOW = 65535;
export const DEFAULT_TTL = 64;
export const DEFAULT_BACKLOG = 128;
export const DEFAULT_CALL_TIMEOUT = 1000;
export const DEFAULT_RECV_LEN = 65536;
