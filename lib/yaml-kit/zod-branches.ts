// zod reports a failed union with every branch's issues. The branches worth reporting are those that
// got past the branch's own type check (a branch that failed only on the value's type or literal at
// its root is simply not the one the author meant). Shared by the case and campaign loaders. Pure.
import type { z } from 'zod';
import { show } from './show';

type ZIssue = z.core.$ZodIssue;

/** The branches of an invalid_union issue whose failures lie below their root type check. */
export function fittingBranches(iss: ZIssue): ZIssue[][] {
  const branches = (iss as { errors?: ZIssue[][] }).errors ?? [];
  return branches.filter((b) => !b.every((x) => x.path.length === 0 && (x.code === 'invalid_type' || x.code === 'invalid_value')));
}

/**
 * The issue's message, with zod's own generic wording ("Invalid input: expected object, received
 * array", left where a schema gave no message of its own) replaced by one that shows the value and
 * says what to do.
 */
export function issueMessage(iss: ZIssue): string {
  if (!/^Invalid input/.test(iss.message)) return iss.message;
  const input = (iss as { input?: unknown }).input;
  const expected = (iss as { expected?: string }).expected;
  const todo: Record<string, string> = {
    object: 'write a mapping (key: value, or { key: value }) here',
    array: 'write a list ([a, b] or - items) here',
    number: 'write a finite number',
    string: 'write a text value',
    boolean: 'write true or false',
  };
  const what = expected ? `expected ${expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : `a ${expected}`}` : 'unexpected value';
  return `${what}, got ${show(input)} — ${(expected && todo[expected]) ?? 'see cases/README.md for what goes here'}`;
}
