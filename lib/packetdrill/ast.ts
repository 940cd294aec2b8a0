// The syntax tree of a packetdrill script, as parse.ts reads it: command-line options written in the
// script, then events in file order, each with its time and position. Values are as written (sequence
// numbers in script space); compile.ts gives them meaning. Pure types.
import type { SourcePos } from '../case/types';

/** When an event happens. Seconds. */
export interface EventTime {
  pos: SourcePos;
  /** `+0.1` relative to the previous event's start; `0.200` absolute from the script's start; `*` any */
  kind: 'rel' | 'abs' | 'any';
  value: number;
  /** `a~b`: the event happens at some time from `value` to `upto` (same kind as value) */
  upto?: number;
  /** `start...end`: the (blocking) call returns `end` seconds after it starts */
  end?: number;
}

export type Arg = { pos: SourcePos } & (
  | { kind: 'ellipsis' }
  | { kind: 'num'; value: number; text: string }
  | { kind: 'word'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: Arg[] }
  /** `A|B|C` */
  | { kind: 'or'; items: Arg[] }
  /** `{ name=value, name(arg)=value }` */
  | { kind: 'struct'; fields: Array<{ name: string; args?: Arg[]; value: Arg; pos: SourcePos }> }
  /** `name(args)` as a value, e.g. msg_iov(1) */
  | { kind: 'call'; name: string; args: Arg[] }
);

/** One TCP option of a packet line. */
export type PdOption = { pos: SourcePos; text: string } & (
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'sackOK' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'ts'; val: number; ecr: number }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  /** FO / FOEXP; cookie: hex, '' for a request, or a -D define name still to resolve */
  | { kind: 'tfo'; exp: boolean; cookie: string; define?: string }
  | { kind: 'md5'; digest?: string }
);

export interface PacketEvent {
  kind: 'packet';
  dir: 'in' | 'out';
  /** the flag letters as written, e.g. "S.", "SEW", "." */
  flags: string;
  flagsPos: SourcePos;
  /** `[ect0]`, `[noecn]`, `[ce]`, `[ect1]`, `[ect01]` */
  ipEcn?: string;
  seq: number;
  end: number;
  len: number;
  ack?: number;
  win?: number;
  /** undefined: no option list (none on the wire); 'any': `<...>` */
  options?: PdOption[] | 'any';
}

/** `< icmp TYPE [CODE] [[start:end(len)]] [mtu N]`: an ICMP error about an outbound segment. */
export interface IcmpEvent {
  kind: 'icmp';
  type: string;
  typePos: SourcePos;
  code?: string;
  codePos?: SourcePos;
  /** the quoted segment (script numbers, DUT space); absent: seq 0 */
  quote?: { seq: number; len: number };
  mtu?: number;
}

export interface SyscallEvent {
  kind: 'syscall';
  name: string;
  args: Arg[];
  /** the return value; '...' = not checked */
  ret: number | '...';
  retPos: SourcePos;
  errno?: string;
}

export interface ShellEvent {
  kind: 'shell';
  text: string;
}

export interface CodeEvent {
  kind: 'code';
  text: string;
}

export type PdEvent = { pos: SourcePos; time: EventTime; line: string } & (PacketEvent | IcmpEvent | SyscallEvent | ShellEvent | CodeEvent);

export interface ScriptOption {
  name: string;
  value?: string;
  pos: SourcePos;
}

export interface Script {
  file: string;
  options: ScriptOption[];
  events: PdEvent[];
}
