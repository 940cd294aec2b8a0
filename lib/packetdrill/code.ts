// %{ … }% blocks of packetdrill scripts: Python that asserts on the socket's TCP_INFO. Understood:
// `assert EXPR[, message]` statements (separated by ';' or new lines) whose EXPR uses tcpi_* fields,
// integers, the TCPI_OPT_* / TCP_CA_* / TCP_<state> constants, & | + - *, comparisons (chained),
// not / and / or and parentheses. Anything else is "unsupported", at its position. Pure.
import { TCP_INFO_CONSTANTS, TCP_INFO_FIELDS } from '../case/tcp-info';
import type { InfoExpr, SourcePos, TcpInfoCheck } from '../case/types';
import { ScriptError, unsupported } from './errors';

interface Tok {
  t: string;
  /** offset in the block's text */
  at: number;
}

const CMP = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** The checks of a code block whose text starts at `pos` (the position just after '%{'). */
export function parseCodeBlock(text: string, pos: SourcePos, file: string): TcpInfoCheck[] {
  const where = (at: number): SourcePos => {
    const before = text.slice(0, at).split('\n');
    return before.length === 1 ? { line: pos.line, column: pos.column + at } : { line: pos.line + before.length - 1, column: before[before.length - 1].length + 1 };
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
    if (!m) unsupported(file, p, `the Python statement '${body.length > 40 ? `${body.slice(0, 37)}...` : body}' in %{ }% (only 'assert <expression on tcpi_* fields>' is understood)`);
    const exprText = topLevelBeforeComma(body.slice(m[0].length));
    const toks = lex(exprText, at + lead + m[0].length, file, where);
    const parser = new ExprParser(toks, file, where, exprText.length + at + lead + m[0].length);
    const expr = parser.parse();
    out.push({ text: exprText.trim(), expr, pos: p });
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

function lex(s: string, base: number, file: string, where: (at: number) => SourcePos): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(0x[0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|[<>&|+\-*()])/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) {
      const j = i + (s.slice(i).length - s.slice(i).trimStart().length);
      throw new ScriptError(file, where(base + j), `unexpected '${s[j]}' in a %{ assert }% expression — use tcpi_* fields, integers, & | + - *, comparisons, not/and/or`);
    }
    out.push({ t: m[1], at: base + i + (m[0].length - m[1].length) });
    i = re.lastIndex;
  }
  return out;
}

class ExprParser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly file: string, private readonly where: (at: number) => SourcePos, private readonly end: number) {}

  private get cur(): Tok | undefined {
    return this.toks[this.i];
  }
  private fail(msg: string): never {
    throw new ScriptError(this.file, this.where(this.cur?.at ?? this.end), msg);
  }

  parse(): InfoExpr {
    const e = this.or();
    if (this.cur) this.fail(`unexpected '${this.cur.t}' after the expression`);
    return e;
  }
  private or(): InfoExpr {
    let l = this.and();
    while (this.cur?.t === 'or') {
      this.i++;
      l = { kind: 'or', l, r: this.and() };
    }
    return l;
  }
  private and(): InfoExpr {
    let l = this.not();
    while (this.cur?.t === 'and') {
      this.i++;
      l = { kind: 'and', l, r: this.not() };
    }
    return l;
  }
  private not(): InfoExpr {
    if (this.cur?.t === 'not') {
      this.i++;
      return { kind: 'not', e: this.not() };
    }
    return this.comparison();
  }
  private comparison(): InfoExpr {
    const first = this.bitor();
    if (!this.cur || !CMP.has(this.cur.t)) return first;
    const items = [first];
    const ops: Array<'==' | '!=' | '<' | '<=' | '>' | '>='> = [];
    while (this.cur && CMP.has(this.cur.t)) {
      ops.push(this.cur.t as '==');
      this.i++;
      items.push(this.bitor());
    }
    return { kind: 'cmp', ops, items };
  }
  private bitor(): InfoExpr {
    let l = this.bitand();
    while (this.cur?.t === '|') {
      this.i++;
      l = { kind: 'bin', op: '|', l, r: this.bitand() };
    }
    return l;
  }
  private bitand(): InfoExpr {
    let l = this.sum();
    while (this.cur?.t === '&') {
      this.i++;
      l = { kind: 'bin', op: '&', l, r: this.sum() };
    }
    return l;
  }
  private sum(): InfoExpr {
    let l = this.product();
    while (this.cur?.t === '+' || this.cur?.t === '-') {
      const op = this.cur.t as '+' | '-';
      this.i++;
      l = { kind: 'bin', op, l, r: this.product() };
    }
    return l;
  }
  private product(): InfoExpr {
    let l = this.atom();
    while (this.cur?.t === '*') {
      this.i++;
      l = { kind: 'bin', op: '*', l, r: this.atom() };
    }
    return l;
  }
  private atom(): InfoExpr {
    const t = this.cur;
    if (!t) return this.fail('expected a value (a tcpi_* field, a number or a constant), found the end of the expression');
    this.i++;
    if (t.t === '(') {
      const e = this.or();
      if (this.cur?.t !== ')') this.fail("expected ')'");
      this.i++;
      return e;
    }
    if (t.t === '-') return { kind: 'bin', op: '-', l: { kind: 'num', value: 0 }, r: this.atom() };
    if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t.t)) return { kind: 'num', value: Number(t.t) };
    if ((TCP_INFO_FIELDS as readonly string[]).includes(t.t)) return { kind: 'field', name: t.t };
    if (t.t in TCP_INFO_CONSTANTS) return { kind: 'num', value: TCP_INFO_CONSTANTS[t.t] };
    this.i--;
    if (!/^[A-Za-z_]/.test(t.t)) this.fail(`expected a value (a tcpi_* field, a number or a constant), found '${t.t}'`);
    if (/^tcpi_/.test(t.t)) return unsupported(this.file, this.where(t.at), `the TCP_INFO field ${t.t} in %{ }%`);
    return unsupported(this.file, this.where(t.at), `the name '${t.t}' in a %{ }% expression (tcpi_* fields and TCPI_OPT_* / TCP_CA_* / TCP_<state> constants are understood)`);
  }
}
