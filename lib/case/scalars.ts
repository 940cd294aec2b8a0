// The scalar builders of the YAML schemas — numbers in a range, ports, durations, sysctl values and
// maps, type-mismatch messages, parsers run as transforms — each message saying what was found and
// what to write. The case schema (schema.ts) and the fuzz campaign schema (lib/fuzz/campaign/) both
// build on them. Pure.
import { z } from 'zod';
import { show } from '../yaml-kit/show';
import { DURATION_PATTERN, parseDuration, ValueError } from './expr';

/** What a zod error function sees of the value it refused. */
export type Issue = { input?: unknown };

/** Error function for a type mismatch: "expected X, got Y — todo". */
export function typeError(what: string, todo: string) {
  return (iss: Issue) => `expected ${what}, got ${show(iss.input)} — ${todo}`;
}

/** A parser run as a zod transform: ValueError becomes an issue at this value. */
export function via<T>(fn: (v: unknown) => T) {
  return (v: unknown, ctx: z.core.$RefinementCtx<unknown>): T => {
    try {
      return fn(v);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      ctx.issues.push({ code: 'custom', message: e.message, input: v });
      return z.NEVER;
    }
  };
}

/** A number in [lo, hi]; `what` names it when the value is no number at all (default: the range). */
export function number(lo: number, hi: number, todo: string, what = `a number ${lo}..${hi}`) {
  return z
    .number({ error: typeError(what, todo) })
    .min(lo, { error: (iss: Issue) => `${show(iss.input)} is below ${lo} — ${todo}` })
    .max(hi, { error: (iss: Issue) => `${show(iss.input)} is above ${hi} — ${todo}` });
}

/** A whole number in [lo, hi]. */
export function int(lo: number, hi: number, todo: string, what = `a whole number ${lo}..${hi}`) {
  return z
    .number({ error: typeError(what, todo) })
    .int({ error: (iss: Issue) => `${show(iss.input)} is not a whole number — ${todo}` })
    .min(lo, { error: (iss: Issue) => `${show(iss.input)} is below ${lo} — ${todo}` })
    .max(hi, { error: (iss: Issue) => `${show(iss.input)} is above ${hi} — ${todo}` });
}

export const U32 = 0xffffffff;
export const U32Schema = int(0, U32, 'use 0..4294967295');
export const Port = int(1, 65535, 'use a TCP port 1..65535');
export const Byte = (todo: string) => int(0, 255, todo);

export const Duration = z
  .string({
    error: (iss: Issue) => {
      if (typeof iss.input === 'number') return `${iss.input} has no unit — write ${iss.input}ms or ${iss.input}s`;
      return `expected a duration, got ${show(iss.input)} — write a number with ms or s, e.g. 200ms or 1.5s`;
    },
  })
  .meta({ pattern: DURATION_PATTERN, examples: ['200ms', '1s', '1.5s'] })
  .transform(via(parseDuration))
  .meta({ id: 'case-duration', description: 'A duration: a number with ms or s, e.g. 200ms, 1s, 1.5s.' });

/** A sysctl's value as written: a number, a string, or a list of numbers (tcp_rmem). */
export const SysctlValue = z.union([z.number(), z.string(), z.array(z.number())], {
  error: (iss: Issue) => `expected a sysctl value, got ${show(iss.input)} — a number, a string, or a list of numbers (tcp_rmem: [4096, 131072, 6291456])`,
});

/** A map of sysctls by dotted name; `name` checks the names (the case checks them later, with the step order). */
export function sysctlMap<K extends z.ZodType<string, string>>(name: K) {
  return z.record(name, SysctlValue, { error: typeError('a map of sysctls', 'write e.g. { net.ipv4.tcp_syncookies: 0 }') });
}
