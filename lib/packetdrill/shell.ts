// The `shell commands` of packetdrill scripts, read as data: the sysctls they set. Understood:
// `sysctl [-q] [-w] name=value ...`, `set_sysctls.py /proc/sys/a/b=value ...`,
// `echo value > /proc/sys/a/b`, a script path (defaults.sh) whose text the caller supplies,
// `ip tcp_metrics flush` (an action: it empties the namespace's TCP metrics and Fast Open cache), and
// commands that change nothing here (a qdisc on packetdrill's tun device, the sysctl restore script).
// Anything else is unsupported. Pure.
import type { SourcePos } from '../case/types';
import { unsupported } from './errors';
import { parseGrepPipeline, type GrepPipeline } from './grep';

export interface ShellContext {
  file: string;
  pos: SourcePos;
  /** the text of a script the command runs (e.g. ../common/defaults.sh), relative to the .pkt; undefined if absent */
  include: (path: string) => string | undefined;
  /** -D defines, for ${NAME} in commands */
  defines: Record<string, string>;
}

/** Harmless here, or only restoring what the script changed. */
const NO_OPS: RegExp[] = [/^tc\s+qdisc\s+(add|replace)\s+dev\s+tun0\b/, /^\/tmp\/sysctl_restore_\S*\.sh$/, /^(true|:)$/];

/**
 * What a shell command does: set a sysctl (name dotted, value as the kernel's text), flush the TCP
 * metrics, or `A || B`: A's actions, and B's when A fails (its caller knows which settings this
 * kernel cannot take).
 */
export type ShellAction =
  | { name: string; value: string }
  | { flush: 'tcp_metrics' }
  | { first: ShellAction[]; orElse: ShellAction[] }
  /** `grep P /proc/net/tcp… | grep P2`: succeeds when a line of the DUT's socket tables gets through (grep.ts) */
  | { grep: GrepPipeline; text: string };

/** `ip tcp_metrics flush [all]` (every destination: the only form the corpus uses). */
const FLUSH = /^ip\s+(tcp_metrics|tcpmetrics)\s+flush(\s+all)?$/;

/** The sysctls a shell command sets, in order (both sides of an `||`). */
export function shellSysctls(text: string, ctx: ShellContext): Array<{ name: string; value: string }> {
  const flat = (as: ShellAction[]): Array<{ name: string; value: string }> =>
    as.flatMap((a) => ('name' in a ? [a] : 'first' in a ? [...flat(a.first), ...flat(a.orElse)] : []));
  return flat(shellActions(text, ctx));
}

/** What a shell command does, in order: the sysctls it sets and the TCP metrics flushes. */
export function shellActions(text: string, ctx: ShellContext, depth = 0): ShellAction[] {
  const out: ShellAction[] = [];
  // join backslash continuations, then one command per line (';' and '&&' split too)
  const cmds = text
    .replace(/\\\n/g, ' ')
    .split(/\n|;|&&/)
    .map((l) => stripComment(l).trim())
    .filter(Boolean);
  for (const raw of cmds) {
    const alt = raw.split('||');
    if (alt.length > 1) {
      // A || B || C: B runs when A fails, C when B does too
      const chain = alt.map((part) => shellActions(part, ctx, depth + 1));
      out.push(chain.reduceRight((orElse, first) => [{ first, orElse }])[0]);
      continue;
    }
    const cmd = raw
      .replace(/\s*(>|2>|&>)\s*\/dev\/null(\s+2>&1)?/g, '')
      .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, n: string) => ctx.defines[n] ?? m)
      .trim();
    if (NO_OPS.some((re) => re.test(cmd))) continue;
    if (FLUSH.test(cmd)) {
      out.push({ flush: 'tcp_metrics' });
      continue;
    }
    const grep = cmd.startsWith('grep ') ? parseGrepPipeline(cmd.split('|').map((c) => splitWords(c.trim()))) : undefined;
    if (grep) {
      out.push({ grep, text: cmd });
      continue;
    }
    const words = splitWords(cmd);
    const prog = words[0].split('/').pop()!;
    if (prog === 'sysctl') {
      for (const w of words.slice(1)) {
        if (w.startsWith('-')) {
          if (!/^-[qw]+$/.test(w)) unsupported(ctx.file, ctx.pos, `the sysctl flag '${w}' in a shell command`);
          continue;
        }
        const eq = w.indexOf('=');
        if (eq < 0) unsupported(ctx.file, ctx.pos, `'sysctl ${w}' (reading a sysctl) in a shell command`);
        out.push({ name: w.slice(0, eq).replace(/\//g, '.'), value: w.slice(eq + 1) });
      }
      continue;
    }
    if (prog === 'set_sysctls.py') {
      for (const w of words.slice(1)) {
        const m = /^\/proc\/sys\/(.+?)=(.*)$/.exec(w);
        if (!m) unsupported(ctx.file, ctx.pos, `set_sysctls.py argument '${w}' (expected /proc/sys/…=value)`);
        out.push({ name: m[1].replace(/\//g, '.'), value: m[2] });
      }
      continue;
    }
    const echo = /^echo\s+(.*?)\s*>\s*\/proc\/sys\/(\S+)$/.exec(cmd);
    if (echo) {
      out.push({ name: echo[2].replace(/\//g, '.'), value: unquote(echo[1]) });
      continue;
    }
    if (/\.sh$/.test(words[0]) && words.length === 1) {
      const sub = ctx.include(words[0]);
      if (sub === undefined) unsupported(ctx.file, ctx.pos, `the shell script ${words[0]} (not found next to the script)`);
      if (depth > 4) unsupported(ctx.file, ctx.pos, `shell scripts nested more than 4 deep (${words[0]})`);
      out.push(
        ...shellActions(
          sub
            .split('\n')
            .filter((l) => !l.startsWith('#!'))
            .join('\n'),
          ctx,
          depth + 1,
        ),
      );
      continue;
    }
    unsupported(
      ctx.file,
      ctx.pos,
      `the shell command '${cmd.length > 60 ? `${cmd.slice(0, 57)}...` : cmd}' (only sysctl settings, ip tcp_metrics flush all and grep of /proc/net/tcp are understood)`,
    );
  }
  return out;
}

function stripComment(l: string): string {
  const i = l.search(/(^|\s)#/);
  return i < 0 ? l : l.slice(0, i);
}

/** Shell words with "…" and '…' quoting and $((a*b)) arithmetic on integers. */
function splitWords(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | undefined;
  let any = false;
  const s = cmd.replace(/\$\(\(([0-9*+\- ]+)\)\)/g, (_m, e: string) => String(evalArith(e)));
  for (const c of s) {
    if (q) {
      if (c === q) q = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      any = true;
    } else if (c === ' ' || c === '\t') {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur || any) out.push(cur);
  return out;
}

function evalArith(e: string): number {
  // products and sums of integers only: "15*1024*1024", "256*1024"
  return e.split('+').reduce((sum, term) => sum + term.split('*').reduce((p, f) => p * Number(f.trim()), 1), 0);
}

function unquote(s: string): string {
  return s.replace(/^(["'])(.*)\1$/, '$2');
}
