// The runner's clock: CLOCK_MONOTONIC (process.hrtime), the clock of the capture's kernel timestamps,
// the model and the kernel's TCP timestamps. Times are bigint ns; the model counts in ms.
export const now = (): bigint => process.hrtime.bigint();
export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
export const msToNs = (ms: number): bigint => BigInt(Math.round(ms * 1e6));
