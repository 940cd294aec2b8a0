// NAME=VALUE option parsing shared by the CLI commands.
export function collectKv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new Error(`expected NAME=VALUE, got '${value}'`);
  return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1).trim() };
}

/**
 * Integer from a CLI string (decimal or 0x hex), within [min, max] (default: any safe integer).
 * Throws one line naming the option, the range and what was given: "--port: expected an integer
 * from 1 to 65535, got '0'".
 */
export function intArg(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  const range =
    min === Number.MIN_SAFE_INTEGER && max === Number.MAX_SAFE_INTEGER
      ? ''
      : max === Number.MAX_SAFE_INTEGER
        ? ` of at least ${min}`
        : ` from ${min} to ${max}`;
  return (v: string) => {
    const s = String(v).trim();
    const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^[-+]?\d+$/.test(s) ? parseInt(s, 10) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new Error(`${name}: expected an integer${range}, got '${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`);
    return n;
  };
}

/** Ranges of the CLI's numeric options, defined once. */
export const RANGE = {
  port: [1, 65535],
  sport: [0, 65535],
  u32: [0, 0xffffffff],
  u16: [0, 0xffff],
  u8: [0, 0xff],
  /** listen() backlog (the kernel clamps it to net.core.somaxconn). */
  backlog: [0, 65535],
  /** How long `probe` collects replies, ms. */
  waitMs: [0, 60_000],
} as const satisfies Record<string, readonly [number, number]>;
