// Tokens of the packetdrill script language (the TCP subset): words, numbers, punctuation, strings,
// `shell` blocks and %{ code }% blocks, each with its 1-based line and column. Comments (// and /* */)
// are skipped. Pure.
import type { SourcePos } from '../case/types';
import { ScriptError } from './errors';

export type TokKind = 'word' | 'num' | 'punct' | 'string' | 'shell' | 'code' | 'eof';

export interface Token {
  kind: TokKind;
  /** as written (for shell/code: the text between the delimiters) */
  text: string;
  pos: SourcePos;
  /** whitespace or a comment separates it from the previous token */
  spaced: boolean;
  /** it is the first token on its line */
  lineStart: boolean;
}

const PUNCT3 = ['...'];
const PUNCT1 = '<>()[]{},=:+-|&*~.!/';

/** Splits `text` into tokens; throws ScriptError at the position of a character it cannot read. */
export function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  let spaced = true;
  let lineStart = true;
  const adv = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  const push = (kind: TokKind, t: string, pos: SourcePos): void => {
    out.push({ kind, text: t, pos, spaced, lineStart });
    spaced = false;
    lineStart = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      adv(1);
      spaced = true;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      adv(1);
      spaced = true;
      continue;
    }
    const pos = { line, column: col };
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') adv(1);
      spaced = true;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new ScriptError(file, pos, 'unterminated /* comment — close it with */');
      adv(end + 2 - i);
      spaced = true;
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw new ScriptError(file, pos, 'unterminated `shell command` — close it with a backtick');
      push('shell', text.slice(i + 1, end), pos);
      adv(end + 1 - i);
      continue;
    }
    if (text.startsWith('%{', i)) {
      const end = text.indexOf('}%', i + 2);
      if (end < 0) throw new ScriptError(file, pos, 'unterminated %{ code block — close it with }%');
      push('code', text.slice(i + 2, end), pos);
      adv(end + 2 - i);
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (text[j] !== '"') throw new ScriptError(file, pos, 'unterminated string — close it with "');
      push('string', text.slice(i + 1, j), pos);
      adv(j + 1 - i);
      continue;
    }
    // a number that starts with '.' (".1", ".200")
    if (c === '.' && /[0-9]/.test(text[i + 1] ?? '') && text[i - 1] !== '.') {
      const m = /^\.[0-9]+/.exec(text.slice(i))!;
      push('num', m[0], pos);
      adv(m[0].length);
      continue;
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(text.slice(i))!;
      let w = m[0];
      // decimal fraction: 0.200, 1.5
      if (/^[0-9]+$/.test(w) && text[i + w.length] === '.' && /[0-9]/.test(text[i + w.length + 1] ?? '')) {
        w += /^\.[0-9]+/.exec(text.slice(i + w.length))![0];
      }
      const isNum = /^([0-9]+(\.[0-9]+)?|0x[0-9a-fA-F]+)$/.test(w);
      push(isNum ? 'num' : 'word', w, pos);
      adv(w.length);
      continue;
    }
    const p3 = PUNCT3.find((p) => text.startsWith(p, i));
    if (p3) {
      push('punct', p3, pos);
      adv(p3.length);
      continue;
    }
    if (PUNCT1.includes(c)) {
      push('punct', c, pos);
      adv(1);
      continue;
    }
    throw new ScriptError(file, pos, `unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ kind: 'eof', text: '', pos: { line, column: col }, spaced: true, lineStart: true });
  return out;
}
