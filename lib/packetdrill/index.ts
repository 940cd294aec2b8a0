// packetdrill scripts: parse (parse.ts), compile to the normalised case (compile.ts). Pure.
export { parseScript } from './parse';
export { compileScript, caseName, PD_PORT, PD_SLACK_MS } from './compile';
export type { CompileOptions } from './compile';
export { ScriptError } from './errors';
export type { Script, PdEvent } from './ast';

import type { CaseFile } from '../case/types';
import { compileScript, type CompileOptions } from './compile';
import { parseScript } from './parse';

/** Script text → case (parse + compile). Throws ScriptError (a CaseError) at file:line:column. */
export function scriptToCase(text: string, file: string, o: CompileOptions = {}): CaseFile {
  return compileScript(parseScript(text, file), o);
}
