// parseScript: packetdrill script text → Script (ast.ts), or a ScriptError at file:line:column naming
// what is wrong. Covers the language of TCP scripts: `--option` lines, times (+0.1, 0.200, *, a...b),
// inbound/outbound packets, system calls with return values and errnos, `shell` and %{ code }%
// blocks. Pure.
import type { SourcePos } from '../case/types';
import type { Arg, EventTime, IcmpEvent, PacketEvent, PdEvent, PdOption, Script, ScriptOption, SyscallEvent } from './ast';
import { ScriptError, unsupported } from './errors';
import { tokenize, type Token } from './lexer';

const OPTION_LINE = /^(\s*)--([A-Za-z0-9_-]+)(?:=(\S+))?\s*(\/\/.*)?$/;

export function parseScript(text: string, file: string): Script {
  // `--name=value` lines (packetdrill's command-line options written in the script)
  const lines = text.split('\n');
  const options: ScriptOption[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = OPTION_LINE.exec(lines[i]);
    if (!m) continue;
    options.push({ name: m[2], ...(m[3] !== undefined ? { value: m[3] } : {}), pos: { line: i + 1, column: m[1].length + 1 } });
    lines[i] = '';
  }
  const p = new Parser(tokenize(lines.join('\n'), file), file, text.split('\n'));
  return { file, options, events: p.events() };
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly file: string,
    private readonly lines: string[],
  ) {}

  private get t(): Token {
    return this.toks[this.i];
  }
  private peek(k = 1): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private fail(pos: SourcePos, msg: string): never {
    throw new ScriptError(this.file, pos, msg);
  }
  private isWord(text: string): boolean {
    return this.t.kind === 'word' && this.t.text === text;
  }
  private is(text: string): boolean {
    return this.t.kind === 'punct' && this.t.text === text;
  }
  private expect(text: string, what: string): Token {
    if (!this.is(text)) this.fail(this.t.pos, `expected '${text}' ${what}, found ${describe(this.t)}`);
    return this.next();
  }
  private num(what: string): number {
    const t = this.t;
    let neg = false;
    if (this.is('-')) {
      neg = true;
      this.next();
    }
    if (this.t.kind !== 'num') this.fail(t.pos, `expected ${what} (a number), found ${describe(this.t)}`);
    const v = Number(this.next().text);
    return neg ? -v : v;
  }

  events(): PdEvent[] {
    const out: PdEvent[] = [];
    while (this.t.kind !== 'eof') out.push(this.event());
    return out;
  }

  private event(): PdEvent {
    const start = this.t.pos;
    const line = (this.lines[start.line - 1] ?? '').trim();
    let time: EventTime;
    // shell and code blocks may stand without a time (they run at the previous event's time)
    if (this.t.kind === 'shell' || this.t.kind === 'code') time = { pos: start, kind: 'rel', value: 0 };
    else time = this.time();
    const pos = this.t.pos;
    const t = this.t;
    if (t.kind === 'shell') {
      this.next();
      return { pos, time, line, kind: 'shell', text: t.text };
    }
    if (t.kind === 'code') {
      this.next();
      return { pos, time, line, kind: 'code', text: t.text };
    }
    if (t.kind === 'punct' && (t.text === '<' || t.text === '>')) return { pos, time, line, ...this.packet() };
    if (t.kind === 'word') return { pos, time, line, ...this.syscall() };
    return this.fail(t.pos, `expected a packet (< or >), a system call, a \`shell command\` or %{ code }% after the time, found ${describe(t)}`);
  }

  private time(): EventTime {
    const pos = this.t.pos;
    let kind: EventTime['kind'];
    let value = 0;
    if (this.is('*')) {
      this.next();
      kind = 'any';
    } else {
      kind = 'abs';
      if (this.is('+')) {
        this.next();
        kind = 'rel';
      }
      if (this.t.kind !== 'num') this.fail(this.t.pos, `expected a time (+0.1, 0.200 or *) at the start of an event, found ${describe(this.t)}`);
      value = Number(this.next().text);
    }
    const out: EventTime = { pos, kind, value };
    if (this.is('~')) {
      // a~b: the event happens between a and b (both of the same kind as a)
      this.next();
      if (this.is('+')) this.next();
      if (this.t.kind !== 'num') this.fail(this.t.pos, `expected the end of the time window after '~', found ${describe(this.t)}`);
      out.upto = Number(this.next().text);
      if (out.upto < value) this.fail(pos, `the time window ${value}~${out.upto} ends before it starts`);
    }
    if (this.is('...')) {
      this.next();
      if (this.is('+')) this.next();
      if (this.t.kind !== 'num') this.fail(this.t.pos, `expected the end of the time range after '...', found ${describe(this.t)}`);
      out.end = Number(this.next().text);
    }
    return out;
  }

  // ---- packets

  /** `icmp TYPE [CODE] [[start:end(len)]] [mtu N]` after `<`. */
  private icmp(): IcmpEvent {
    this.next();
    if (this.t.kind !== 'word') this.fail(this.t.pos, `expected an ICMP type (unreachable, packet_too_big, time_exceeded, …), found ${describe(this.t)}`);
    const typePos = this.t.pos;
    const out: IcmpEvent = { kind: 'icmp', type: this.next().text, typePos };
    if (this.t.kind === 'word' && this.t.text !== 'mtu') {
      out.codePos = this.t.pos;
      out.code = this.next().text;
    }
    for (;;) {
      if (this.is('[') && !out.quote) {
        this.next();
        const seq = this.u32('the quoted start sequence number ([start:end(len)])');
        this.expect(':', 'between the start and end sequence numbers ([start:end(len)])');
        const end = this.u32('the quoted end sequence number');
        this.expect('(', 'before the quoted payload length');
        const len = this.num('the quoted payload length');
        this.expect(')', 'after the quoted payload length');
        this.expect(']', 'to close the quoted segment');
        if ((end - seq) >>> 0 !== len) this.fail(typePos, `the quoted payload length (${len}) is not end - start (${end} - ${seq})`);
        out.quote = { seq, len };
      } else if (this.isWord('mtu') && out.mtu === undefined) {
        this.next();
        out.mtu = this.u32('the MTU');
      } else break;
    }
    return out;
  }

  private packet(): PacketEvent | IcmpEvent {
    const dir = this.next().text === '<' ? 'in' : 'out';
    if (this.t.kind === 'word' && this.t.text === 'icmp') {
      if (dir === 'out') unsupported(this.file, this.t.pos, 'outbound ICMP packets');
      return this.icmp();
    }
    let ipEcn: string | undefined;
    if (this.is('[')) {
      this.next();
      if (this.t.kind !== 'word') this.fail(this.t.pos, `expected an IP ECN marker ([noecn], [ect0], [ect1], [ect01], [ce]), found ${describe(this.t)}`);
      ipEcn = this.next().text;
      if (!['noecn', 'ect0', 'ect1', 'ect01', 'ce'].includes(ipEcn))
        this.fail(this.toks[this.i - 1].pos, `unknown IP ECN marker '${ipEcn}' — use noecn, ect0, ect1, ect01 or ce`);
      this.expect(']', 'to close the IP ECN marker');
    }
    // flags: letters and '.', written together ("S.", "SEW", "."); tokens with no space between
    const flagsPos = this.t.pos;
    let flags = '';
    while ((this.t.kind === 'word' || this.is('.')) && (flags === '' || !this.t.spaced)) {
      if (this.t.kind === 'word' && !/^[FSRPUEWCA]+$/.test(this.t.text)) {
        if (flags === '' && this.t.text === 'udp') unsupported(this.file, this.t.pos, 'UDP packets');
        if (flags === '' && /^icmp/i.test(this.t.text)) unsupported(this.file, this.t.pos, 'ICMP packets');
        this.fail(this.t.pos, `unknown TCP flag letters '${this.t.text}' — packetdrill flags are F S R P . (ACK) U E W C A`);
      }
      flags += this.next().text;
    }
    if (!flags) this.fail(flagsPos, `expected TCP flags (S, S., ., F., P., R, R., …) after the direction, found ${describe(this.t)}`);
    const seq = this.u32('the start sequence number (start:end(len))');
    this.expect(':', 'between the start and end sequence numbers (start:end(len))');
    const end = this.u32('the end sequence number');
    this.expect('(', 'before the payload length (start:end(len))');
    const len = this.num('the payload length');
    this.expect(')', 'after the payload length');
    if ((end - seq) >>> 0 !== len) this.fail(flagsPos, `the payload length (${len}) is not end - start (${end} - ${seq})`);
    const out: PacketEvent = { kind: 'packet', dir, flags, flagsPos, seq, end, len, ...(ipEcn ? { ipEcn } : {}) };
    for (;;) {
      if (this.t.kind === 'word' && this.t.text === 'ack') {
        this.next();
        out.ack = this.u32('the ack number');
      } else if (this.t.kind === 'word' && this.t.text === 'win') {
        this.next();
        out.win = this.num('the window');
      } else if (this.t.kind === 'word' && this.t.text === 'urg') {
        unsupported(this.file, this.t.pos, 'the urgent pointer (urg)');
      } else if (this.is('<')) {
        out.options = this.optionList();
      } else if (this.is('(')) {
        unsupported(this.file, this.t.pos, 'packet annotations in parentheses (e.g. "(ECN ...)", "(encap ...)")');
      } else break;
    }
    return out;
  }

  private u32(what: string): number {
    const pos = this.t.pos;
    const v = this.num(what);
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) this.fail(pos, `${what} must be an integer in 0..4294967295, got ${v}`);
    return v;
  }

  private optionList(): PdOption[] | 'any' {
    this.expect('<', 'to open the option list');
    if (this.is('...')) {
      this.next();
      this.expect('>', "after '<...'");
      return 'any';
    }
    const out: PdOption[] = [];
    if (this.is('>')) {
      this.next();
      return out;
    }
    for (;;) {
      out.push(this.option());
      if (this.is(',')) {
        this.next();
        continue;
      }
      this.expect('>', 'to close the option list (or , between options)');
      return out;
    }
  }

  private option(): PdOption {
    const t = this.t;
    const pos = t.pos;
    if (t.kind !== 'word') this.fail(pos, `expected a TCP option (mss, nop, sackOK, wscale, TS, FO, FOEXP, sack, md5, eol), found ${describe(t)}`);
    const name = this.next().text;
    const text = (): string =>
      (this.lines[pos.line - 1] ?? '').slice(pos.column - 1, this.t.pos.line === pos.line ? this.t.pos.column - 1 : undefined).replace(/[\s,>]+$/, '');
    switch (name) {
      case 'nop':
        return { pos, text: 'nop', kind: 'nop' };
      case 'eol':
        return { pos, text: 'eol', kind: 'eol' };
      case 'sackOK':
        return { pos, text: 'sackOK', kind: 'sackOK' };
      case 'mss': {
        const value = this.num('the MSS');
        return { pos, text: text(), kind: 'mss', value };
      }
      case 'wscale': {
        const shift = this.num('the window scale shift');
        return { pos, text: text(), kind: 'wscale', shift };
      }
      case 'TS': {
        if (!this.isWord('val')) this.fail(this.t.pos, `expected 'val' after TS (TS val N ecr N), found ${describe(this.t)}`);
        this.next();
        const val = this.u32('the TS value');
        if (!this.isWord('ecr')) this.fail(this.t.pos, `expected 'ecr' after the TS value (TS val N ecr N), found ${describe(this.t)}`);
        this.next();
        const ecr = this.u32('the TS echo reply');
        return { pos, text: text(), kind: 'ts', val, ecr };
      }
      case 'sack': {
        const blocks: Array<[number, number]> = [];
        while (this.t.kind === 'num') {
          const l = this.u32('a SACK block start');
          this.expect(':', 'in a SACK block (start:end)');
          blocks.push([l, this.u32('a SACK block end')]);
        }
        return { pos, text: text(), kind: 'sack', blocks };
      }
      case 'FO':
      case 'FOEXP': {
        const exp = name === 'FOEXP';
        if (this.t.kind === 'word' || this.t.kind === 'num') {
          const c = this.next();
          if (/^[0-9a-fA-F]+$/.test(c.text) && c.kind !== 'word' ? true : /^[0-9a-fA-F]+$/.test(c.text)) {
            if (c.text.length % 2) this.fail(c.pos, `a Fast Open cookie is whole bytes in hex; '${c.text}' has an odd number of digits`);
            return { pos, text: text(), kind: 'tfo', exp, cookie: c.text.toLowerCase() };
          }
          return { pos, text: text(), kind: 'tfo', exp, cookie: '', define: c.text };
        }
        return { pos, text: name, kind: 'tfo', exp, cookie: '' };
      }
      case 'md5': {
        if (this.t.kind === 'word' || this.t.kind === 'num') {
          const d = this.next().text;
          if (!/^[0-9a-fA-F]{32}$/.test(d)) this.fail(pos, `an md5 option's digest is 16 bytes in hex, got '${d}'`);
          return { pos, text: text(), kind: 'md5', digest: d.toLowerCase() };
        }
        return { pos, text: 'md5', kind: 'md5' };
      }
      case 'exp':
      case 'mpcapable':
      case 'dss':
      case 'mptcp':
      case 'ao':
      case 'accecn':
      case 'AccECN':
      case 'AccECN0':
      case 'AccECN1':
        return unsupported(this.file, pos, `the TCP option '${name}'`);
      default:
        return this.fail(pos, `unknown TCP option '${name}' — known: mss, nop, sackOK, wscale, TS val/ecr, FO, FOEXP, sack, md5, eol`);
    }
  }

  // ---- system calls

  private syscall(): SyscallEvent {
    const name = this.next().text;
    if (!this.is('(')) this.expect('(', `after the system call name '${name}'`);
    const args = this.argList(')', `to close the arguments of ${name}() (or , between them)`);
    const eq = this.t;
    this.expect('=', `and the expected return value after ${name}(…) (e.g. '= 0')`);
    const retPos = this.t.pos;
    let ret: number | '...';
    if (this.is('...')) {
      this.next();
      ret = '...';
    } else ret = this.num(`the return value of ${name}()`);
    const out: SyscallEvent = { kind: 'syscall', name, args, ret, retPos };
    void eq;
    // errno name, then an optional description in parentheses
    if (this.t.kind === 'word' && /^E[A-Z0-9]+$/.test(this.t.text) && !this.t.lineStart) out.errno = this.next().text;
    if (this.is('(') && !this.t.lineStart) this.skipParens();
    return out;
  }

  /** At an opening bracket: the comma-separated arguments up to `close`, which it consumes. */
  private argList(close: string, what: string): Arg[] {
    this.next();
    const items: Arg[] = [];
    if (!this.is(close)) {
      for (;;) {
        items.push(this.arg());
        if (!this.is(',')) break;
        this.next();
      }
    }
    this.expect(close, what);
    return items;
  }

  private skipParens(): void {
    let depth = 0;
    do {
      if (this.t.kind === 'eof') this.fail(this.t.pos, "unterminated '(' in the errno description");
      if (this.is('(')) depth++;
      else if (this.is(')')) depth--;
      this.next();
    } while (depth > 0);
  }

  private arg(): Arg {
    const first = this.primary();
    if (!this.is('|')) return first;
    const items = [first];
    while (this.is('|')) {
      this.next();
      items.push(this.primary());
    }
    return { pos: first.pos, kind: 'or', items };
  }

  private primary(): Arg {
    const t = this.t;
    const pos = t.pos;
    if (this.is('...')) {
      this.next();
      return { pos, kind: 'ellipsis' };
    }
    if (t.kind === 'num' || this.is('-')) {
      const text = (this.is('-') ? '-' : '') + this.peek(this.is('-') ? 1 : 0).text;
      return { pos, kind: 'num', value: this.num('a number'), text };
    }
    if (t.kind === 'string') {
      this.next();
      return { pos, kind: 'string', value: unescape(t.text) };
    }
    if (t.kind === 'word') {
      this.next();
      if (this.is('(')) return { pos, kind: 'call', name: t.text, args: this.argList(')', `to close ${t.text}(…) (or , between arguments)`) };
      return { pos, kind: 'word', name: t.text };
    }
    if (this.is('[')) return { pos, kind: 'list', items: this.argList(']', 'to close the list (or , between items)') };
    if (this.is('{')) {
      this.next();
      const fields: Array<{ name: string; args?: Arg[]; value: Arg; pos: SourcePos }> = [];
      while (!this.is('}')) {
        const f = this.t;
        if (this.is('...')) {
          // {..., 1000}: an iovec written positionally
          fields.push({ name: '', value: this.primary(), pos: f.pos });
        } else if (f.kind === 'word') {
          this.next();
          let args: Arg[] | undefined;
          if (this.is('(')) {
            this.next();
            args = [];
            if (!this.is(')')) args.push(this.arg());
            this.expect(')', `to close ${f.text}(…)`);
          }
          if (this.is('=')) {
            this.next();
            fields.push({ name: f.text, ...(args ? { args } : {}), value: this.arg(), pos: f.pos });
          } else fields.push({ name: '', value: { pos: f.pos, kind: 'word', name: f.text }, pos: f.pos });
        } else {
          fields.push({ name: '', value: this.arg(), pos: f.pos });
        }
        if (this.is(',')) this.next();
        else if (!this.is('}')) this.fail(this.t.pos, `expected ',' or '}' in a structure, found ${describe(this.t)}`);
      }
      this.next();
      return { pos, kind: 'struct', fields };
    }
    return this.fail(pos, `expected an argument (a number, a name, "string", [list], {struct} or ...), found ${describe(t)}`);
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the script';
  if (t.kind === 'shell') return 'a `shell command`';
  if (t.kind === 'code') return 'a %{ code }% block';
  return `'${t.text}'`;
}

/** C-style escapes of a packetdrill string ("\x41", "\n", "\\"). */
function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}
