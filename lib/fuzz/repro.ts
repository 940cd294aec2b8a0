// A finding as a ready-to-run case file (the format of cases/README.md, lib/case): the setup the
// probe needed, its packets as send steps, and `expect: model` after each stimulus — so the case
// passes exactly when the reference model predicts what the kernel does. A comment header records
// the signature, the diffs seen and the model's reasons. Pure: the engine writes the text (with
// writeFileAtomic from checkpoint.ts) under results/<campaign-run>/repro/.
import { Document, isMap, isSeq, visit } from 'yaml';
import { toHex } from '../wire/bytes';
import { flagsToString } from '../wire/flags';
import type { Probe, ProbeBindings, ProbeCall, ProbeOption, ProbePacket, SeqRef, TsRef } from './probe';
import { parseSignature, signatureId } from './signature';

export interface ReproFinding {
  /** the (minimized) probe */
  probe: Probe;
  signature: string;
  /** what differed, as the engine describes it (strings, or { field, model, kernel } objects) */
  diffs: ReadonlyArray<string | Record<string, unknown>>;
  /** the model's reasons for its prediction (strings, or { rule, text } objects) */
  reasons: ReadonlyArray<string | { rule: string; text?: string; fn?: string }>;
  /** the kernel release the divergence was seen on, e.g. "6.18.44-fc-v657" */
  kernel: string;
  /** the sysctls of the probe's profile (dotted names) */
  sysctls: Record<string, string | number>;
  /**
   * What the setup captured when the divergence was seen. dutWindow is needed when a seq/ack is
   * relative to the DUT's window (it is folded into the offset: case files have no such base);
   * dutTsval undefined means the DUT sent no TS (then TS values relative to it are written as numbers).
   */
  bindings?: Partial<Omit<ProbeBindings, 'peerIsn' | 'peerTsval'>>;
  /** the DUT's listener (passive targets). Default { port: 8080, backlog: 128 }. */
  listen?: { port: number; backlog?: number; sockopts?: Record<string, number | string> };
  /** active targets: sockopts for the connecting socket (the port is the probe's sport) */
  connect?: { sockopts?: Record<string, number | string> };
  /** how long each of the probe's wait calls waited (ms), as the engine measured it */
  waitsMs?: readonly number[];
  /** for the header: campaign name, seed, the unminimized probe's index and kind */
  campaign?: { name: string; seed: number };
  original?: { index: number; kind: string };
}

const SPEC: Record<string, string[]> = {
  listener: ['§3.3', '§4.1'],
  request: ['§6'],
  synsent: ['§8.4', '§8.5'],
  established: ['§8.6'],
  timewait: ['§7'],
};

const TWO32 = 4294967296;

/** An offset in (−2^31, 2^31]: the shortest way to write it. */
function signedOffset(n: number): number {
  let o = ((n % TWO32) + TWO32) % TWO32;
  if (o > 0x80000000) o -= TWO32;
  return o;
}

function expr(base: string, offset: number): string {
  const o = signedOffset(offset);
  return o === 0 ? base : `${base}${o > 0 ? '+' : '-'}${Math.abs(o)}`;
}

/** Case file names: kebab-case. */
function kebab(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function kernelRange(release: string): string {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? `${m[1]}.${m[2]}` : '*';
}

interface Bound {
  dutIsn: boolean;
  dutTsval: boolean;
  peerTsval: boolean;
}

class Writer {
  readonly bound: Bound = { dutIsn: false, dutTsval: false, peerTsval: false };
  constructor(private readonly f: ReproFinding) {}

  seq(r: SeqRef): number | string {
    let off = r.offset;
    if (r.win) {
      const w = this.f.bindings?.dutWindow;
      if (w === undefined) throw new Error("reproCaseYaml: a seq/ack is relative to the DUT's window; pass bindings.dutWindow");
      off += w;
    }
    switch (r.base) {
      case 'abs':
        return off >>> 0;
      case 'peer.isn':
        return expr('peer.isn', off);
      case 'dut.isn':
        if (!this.bound.dutIsn) {
          if (this.f.bindings?.dutIsn === undefined) throw new Error('reproCaseYaml: a packet refers to dut.isn before the DUT sent a SYN or SYN-ACK');
          return (this.f.bindings.dutIsn + off) >>> 0;
        }
        return expr('dut.isn', off);
    }
  }

  ts(r: TsRef): number | string {
    switch (r.base) {
      case 'abs':
        return r.offset >>> 0;
      case 'peer.tsval':
        return this.bound.peerTsval ? expr('peer.tsval', r.offset) : (this.f.probe.peerTsval + r.offset) >>> 0;
      case 'dut.tsval':
        return this.bound.dutTsval ? expr('dut.tsval', r.offset) : ((this.f.bindings?.dutTsval ?? 0) + r.offset) >>> 0;
    }
  }

  option(o: ProbeOption): string {
    switch (o.kind) {
      case 'eol':
      case 'nop':
      case 'sackOK':
        return o.kind;
      case 'mss':
        return `mss=${o.value}`;
      case 'wscale':
        return `wscale=${o.shift}`;
      case 'sack':
        return `sack=${o.blocks.map(([l, r]) => `${l}:${r}`).join('/')}`;
      case 'ts':
        return `ts=${this.ts(o.val)}:${this.ts(o.ecr)}`;
      case 'tfo':
        return `${o.exp ? 'tfoexp' : 'tfo'}${o.cookie.length ? `=${toHex(o.cookie)}` : ''}`;
      case 'tfo-valid':
        // the case format's kernel cookie is the primary key's (tfo=kernel: the DUT's cookie for the lab's pair)
        if (o.which === 'backup') throw new Error("a case cannot send the cookie of the namespace's backup key — replay the finding with synh fuzz --replay");
        return o.exp ? 'tfoexp=kernel' : 'tfo=kernel';
      case 'md5':
        return o.digest.length === 16 ? `md5=${toHex(o.digest)}` : `kind=19:${toHex(o.digest)}`;
      case 'unknown':
        if (o.len === undefined && o.type > 1) return o.data.length ? `kind=${o.type}:${toHex(o.data)}` : `kind=${o.type}`;
        return `raw=${toHex(Uint8Array.from([o.type, o.len ?? o.data.length + 2, ...o.data]))}`;
      case 'bytes':
        return `raw=${toHex(o.bytes)}`;
    }
  }

  send(p: ProbePacket, ip: 4 | 6): Record<string, unknown> {
    // Expressions read the bindings as they are *before* this packet goes out.
    const s: Record<string, unknown> = {
      flags: flagsToString(p.flags),
      seq: this.seq(p.seq),
      ack: this.seq(p.ack),
      window: p.window,
    };
    if (p.urg) s.urg = p.urg;
    if (p.options.length) s.options = p.options.map((o) => this.option(o));
    if (p.payload.length) s.payload = `hex:${toHex(p.payload)}`;
    if (p.tos) s.tos = p.tos;
    const m: Record<string, unknown> = {};
    if (p.mistakes.tcpChecksum) m.tcp_checksum = 'bad';
    if (p.mistakes.ipChecksum && ip === 4) m.ip_checksum = 'bad';
    if (p.mistakes.dataOffset !== undefined) m.data_offset = p.mistakes.dataOffset;
    if (p.mistakes.reservedBits !== undefined) m.reserved_bits = p.mistakes.reservedBits;
    if (p.mistakes.ipLayer !== undefined)
      throw new Error(
        `a case cannot send the probe's IP-layer mistake (${p.mistakes.ipLayer}: another address, port or IP length) — replay the finding with synh fuzz --replay`,
      );
    if (Object.keys(m).length) s.mistakes = m;
    if (p.options.some((o) => o.kind === 'ts')) this.bound.peerTsval = true;
    return s;
  }
}

function line(x: string | Record<string, unknown>): string {
  if (typeof x === 'string') return x;
  if (typeof x.rule === 'string') return `${x.rule}${x.text ? `: ${String(x.text)}` : ''}`;
  return JSON.stringify(x);
}

const WHAT: Record<string, string> = { syn: 'SYN', synack: 'SYN-ACK', ack: 'ACK', fin: 'FIN', finack: 'FIN-ACK' };

/**
 * The case file text for a finding. Throws when the probe refers to a DUT value that the case
 * cannot express and `bindings` does not supply (see ReproFinding.bindings).
 */
export function reproCaseYaml(f: ReproFinding): string {
  const p = f.probe;
  const sig = parseSignature(f.signature);
  const w = new Writer(f);
  const steps: Array<Record<string, unknown>> = [];
  let setupKind: 'listen' | 'connect' = 'listen';
  for (const s of p.setup) {
    if (s.kind === 'connect') {
      if (s.tfo)
        throw new Error(
          'a client Fast Open set-up (sendto MSG_FASTOPEN / TCP_FASTOPEN_CONNECT, a cached cookie) is not written as a case yet: replay the finding JSON (synh fuzz --replay)',
        );
      setupKind = 'connect';
    } else if (s.kind === 'write' || s.kind === 'flush-metrics') continue;
    else if (s.kind === 'close') {
      if (setupKind === 'listen') steps.push({ call: { op: 'accept', timeout: '0s' } });
      steps.push({ call: { op: 'close', on: 'conn' }, note: 'setup: the DUT closes first' });
    } else if (s.kind === 'send') steps.push({ send: w.send(s.packet, p.ip), note: `setup: peer ${WHAT[s.what]}` });
    else {
      steps.push({ expect: 'model', note: `setup: the DUT's ${WHAT[s.what]}` });
      if (s.bind.includes('dutIsn')) w.bound.dutIsn = true;
      if (s.bind.includes('dutTsval') && (f.bindings === undefined || f.bindings.dutTsval !== undefined)) w.bound.dutTsval = true;
    }
  }
  const backlog = f.listen?.backlog ?? 128;
  let waits = 0;
  /** calls the case format cannot say (named in the description) */
  const unsaid: string[] = [];
  const call = (c: ProbeCall): void => {
    switch (c) {
      case 'again':
        steps.push({ send: w.send(p.mutated, p.ip), note: 'call: the fuzzed packet again' }, { expect: 'model' });
        return;
      case 'wait': {
        const ms = f.waitsMs?.[waits++];
        if (ms) steps.push({ wait: `${ms}ms`, note: "call: until the model's next timer" }, { expect: 'model' });
        return;
      }
      case 'accept':
        steps.push({ call: { op: 'accept', timeout: '0s' }, note: 'call: accept()' });
        return;
      case 'recv':
        steps.push({ call: { op: 'accept', timeout: '0s' } }, { call: { op: 'recv', timeout: '0s' }, note: 'call: read what is queued' }, { expect: 'model' });
        return;
      case 'close':
        steps.push({ call: { op: 'accept', timeout: '0s' } }, { call: { op: 'close', on: 'conn' }, note: 'call: close()' }, { expect: 'model' });
        return;
      case 'close-listener':
        steps.push(
          { call: { op: 'close', on: 'listener' }, note: 'call: close the listener' },
          { expect: 'model' },
          { call: { op: 'open-listener', backlog } },
        );
        return;
      case 'listen-in-use':
        // (no case step binds a second socket to an open listener's port: open-listener refuses it)
        unsaid.push('listen-in-use');
        return;
      case 'defer-accept':
        steps.push({ call: { op: 'setsockopt', on: 'listener', name: 'TCP_DEFER_ACCEPT', value: 1 }, note: 'call: TCP_DEFER_ACCEPT 1 s' });
        return;
      case 'peer-ack':
      case 'other-syn':
      case 'other-handshake':
        // (their packets' numbers come from the DUT's answers as the probe ran: replay the finding JSON)
        unsaid.push(c);
        return;
    }
  };
  if (p.mutated.icmp) throw new Error('an ICMP probe (mistakes.icmp) is not written as a case yet: replay the finding JSON (synh fuzz --replay)');
  for (const c of p.before ?? []) call(c);
  steps.push({ send: w.send(p.mutated, p.ip), note: `fuzzed ${p.kind} (probe ${p.index})` });
  const last = { expect: 'model', note: `diverged: ${sig.rule} on ${sig.fields.join(', ') || 'presence'}` };
  if (p.after?.length) {
    steps.push({ expect: 'model' });
    for (const c of p.after) call(c);
    if ('expect' in steps[steps.length - 1]) steps.pop();
  }
  steps.push(last);

  const setup =
    setupKind === 'connect'
      ? { connect: { port: p.sport, ...(f.connect?.sockopts && Object.keys(f.connect.sockopts).length ? { sockopts: f.connect.sockopts } : {}) } }
      : {
          listen: {
            port: f.listen?.port ?? 8080,
            backlog: f.listen?.backlog ?? 128,
            ...(f.listen?.sockopts && Object.keys(f.listen.sockopts).length ? { sockopts: f.listen.sockopts } : {}),
          },
        };

  const id = signatureId(f.signature);
  const obj: Record<string, unknown> = {
    name: `fuzz-${kebab(p.target)}-${kebab(sig.rule) || 'none'}-${id}`,
    description: `Fuzz finding ${f.signature}${f.campaign ? ` from campaign ${f.campaign.name}` : ''}${f.original ? ', minimized' : ''}; passes iff the model predicts what the kernel does.${unsaid.length ? ` Not replayed: the probe's ${unsaid.join(', ')} call (no case step for it).` : ''}`,
    spec: SPEC[p.target] ?? ['§3.3'],
    kernel: kernelRange(f.kernel),
    ip: p.ip,
  };
  if (Object.keys(f.sysctls).length) obj.sysctls = { ...f.sysctls };
  obj.setup = setup;
  obj.flows = { a: { sport: p.sport, isn: p.peerIsn } };
  obj.steps = steps;

  const doc = new Document(obj);
  visit(doc, {
    Pair(_, pair) {
      const k = (pair.key as { value?: unknown })?.value;
      if ((k === 'options' && isSeq(pair.value)) || ((k === 'a' || k === 'listen' || k === 'connect' || k === 'mistakes') && isMap(pair.value))) {
        (pair.value as { flow?: boolean }).flow = true;
      }
    },
  });
  const header = [
    ' synharness fuzz repro — generated by lib/fuzz/repro.ts; edit freely.',
    ` signature: ${f.signature}`,
    f.campaign ? ` campaign: ${f.campaign.name}, seed ${f.campaign.seed}` : undefined,
    f.original
      ? ` probe: index ${f.original.index} (kind ${f.original.kind}), minimized; profile ${p.profile}, target ${p.target}, IPv${p.ip}`
      : ` probe: index ${p.index} (kind ${p.kind}); profile ${p.profile}, target ${p.target}, IPv${p.ip}`,
    ` kernel: ${f.kernel}`,
    ' diffs seen:',
    ...(f.diffs.length ? f.diffs.map((d) => `   - ${line(d)}`) : ['   (none recorded)']),
    ' model reasons:',
    ...(f.reasons.length ? f.reasons.map((r) => `   - ${line(r as string | Record<string, unknown>)}`) : ['   (none recorded)']),
  ].filter((x): x is string => x !== undefined);
  doc.commentBefore = header.map((l) => l.replace(/\n/g, ' ')).join('\n');
  return doc.toString({ lineWidth: 0 });
}
