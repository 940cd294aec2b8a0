// %{ … }% blocks of packetdrill scripts: Python that asserts on the socket's TCP_INFO. Understood:
// `assert EXPR[, message]` statements (separated by ';' or new lines) whose EXPR uses tcpi_* fields,
// integers, the TCPI_OPT_* / TCP_CA_* / TCP_<state> constants, & | + - *, comparisons (chained),
// not / and / or and parentheses. Anything else is "unsupported", at its position. Pure.
import { InfoExprError, parseInfoExpr } from '../case/tcp-info';
import type { SourcePos, TcpInfoCheck } from '../case/types';
import { ScriptError, unsupported } from './errors';

/** The checks of a code block whose text starts at `pos` (the position just after '%{'). */
export function parseCodeBlock(text: string, pos: SourcePos, file: string): TcpInfoCheck[] {
  const where = (at: number): SourcePos => {
    const before = text.slice(0, at).split('\n');
    return before.length === 1
      ? { line: pos.line, column: pos.column + at }
      : { line: pos.line + before.length - 1, column: before[before.length - 1].length + 1 };
  };
  const out: TcpInfoCheck[] = [];
  // statements: split on ';' and new lines outside quotes
  let start = 0;
  let quote: string | undefined;
  const stmts: Array<{ s: string; at: number }> = [];
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === ';' || c === '\n' || c === undefined) {
      stmts.push({ s: text.slice(start, i), at: start });
      start = i + 1;
    }
  }
  for (const { s, at } of stmts) {
    const lead = s.length - s.trimStart().length;
    const body = s.trim().replace(/\s*#.*$/, '');
    if (!body) continue;
    const p = where(at + lead);
    const m = /^assert\s+/.exec(body);
    if (!m)
      unsupported(
        file,
        p,
        `the Python statement '${body.length > 40 ? `${body.slice(0, 37)}...` : body}' in %{ }% (only 'assert <expression on tcpi_* fields>' is understood)`,
      );
    const exprText = topLevelBeforeComma(body.slice(m[0].length));
    const base = at + lead + m[0].length;
    try {
      out.push({ text: exprText.trim(), expr: parseInfoExpr(exprText), pos: p });
    } catch (e) {
      if (!(e instanceof InfoExprError)) throw e;
      if (e.unsupported) unsupported(file, where(base + e.offset), `${e.message} in %{ }%`);
      throw new ScriptError(file, where(base + e.offset), `${e.message} in a %{ assert }% expression`);
    }
  }
  return out;
}

/** The assert's condition: its text up to a top-level ',' (the message after it is not checked). */
function topLevelBeforeComma(s: string): string {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ',' && depth === 0) return s.slice(0, i);
  }
  return s;
}
