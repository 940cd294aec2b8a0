// Errors of packetdrill scripts: `file:line:column: message`, the same shape as case-file errors, so
// `synh run` reports both alike. Pure.
import { CaseError } from '../case/errors';
import type { SourcePos } from '../case/types';

/** One problem in a script (a CaseError, so runners and the CLI treat it like a bad case file). */
export class ScriptError extends CaseError {
  /** true when the script is valid packetdrill but uses something synharness does not run yet */
  readonly unsupported: boolean;
  constructor(file: string, pos: SourcePos, message: string, unsupported = false) {
    super([{ file, line: pos.line, column: pos.column, message: unsupported ? `unsupported: ${message}` : message }]);
    this.unsupported = unsupported;
  }
}

/** Throws the "unsupported construct" error: valid packetdrill that synharness does not run (yet). */
export function unsupported(file: string, pos: SourcePos, what: string): never {
  throw new ScriptError(file, pos, what, true);
}
