// zod reports a failed union with every branch's issues. The branches worth reporting are those that
// got past the branch's own type check (a branch that failed only on the value's type or literal at
// its root is simply not the one the author meant). Shared by the case and campaign loaders. Pure.
import type { z } from 'zod';

type ZIssue = z.core.$ZodIssue;

/** The branches of an invalid_union issue whose failures lie below their root type check. */
export function fittingBranches(iss: ZIssue): ZIssue[][] {
  const branches = (iss as { errors?: ZIssue[][] }).errors ?? [];
  return branches.filter((b) => !b.every((x) => x.path.length === 0 && (x.code === 'invalid_type' || x.code === 'invalid_value')));
}
