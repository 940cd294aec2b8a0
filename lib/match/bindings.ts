// The per-flow values case-file expressions refer to (peer.isn, dut.isn, peer.tsval, dut.tsval), bound
// as the run goes (cases/README.md, "Values and expressions"). Pure.
import type { Bindings, ExprBase, Flow } from '../case';
import { SYN, type Decoded, type TcpOption } from '../wire/types';

function tsOf(opts: readonly TcpOption[]): Extract<TcpOption, { kind: 'ts' }> | undefined {
  return opts.find((o): o is Extract<TcpOption, { kind: 'ts' }> => o.kind === 'ts');
}

export class FlowBindings {
  private readonly byFlow = new Map<string, Partial<Record<ExprBase, number>>>();

  constructor(flows: readonly Flow[]) {
    for (const f of flows) this.byFlow.set(f.name, { 'peer.isn': f.isn >>> 0 });
  }

  /** For evalValue / resolveSendOptions. */
  readonly lookup: Bindings = (base, flow) => this.byFlow.get(flow)?.[base];

  get(flow: string, base: ExprBase): number | undefined {
    return this.byFlow.get(flow)?.[base];
  }

  set(flow: string, base: ExprBase, v: number): void {
    let m = this.byFlow.get(flow);
    if (!m) this.byFlow.set(flow, (m = {}));
    m[base] = v >>> 0;
  }

  /** A packet the peer sent on `flow`: its TS option (if any) becomes peer.tsval. */
  sent(flow: string, options: readonly TcpOption[]): void {
    const ts = tsOf(options);
    if (ts) this.set(flow, 'peer.tsval', ts.val);
  }

  /**
   * Before a DUT packet is compared with its pattern: a SYN on a flow whose dut.isn is not bound yet
   * binds it, so `seq: dut.isn` on the first SYN(-ACK) holds and says where the value comes from.
   */
  beforeDut(flow: string, d: Decoded): void {
    if (d.tcp && d.tcp.flags & SYN && this.get(flow, 'dut.isn') === undefined) this.set(flow, 'dut.isn', d.tcp.seq);
  }

  /** After it: its TS option becomes dut.tsval (later patterns see the new value). */
  afterDut(flow: string, d: Decoded): void {
    const ts = d.tcp && tsOf(d.tcp.options);
    if (ts) this.set(flow, 'dut.tsval', ts.val);
  }

  /** "a: peer.isn=1000 dut.isn=… ; b: …" for reports. */
  describe(): string {
    return [...this.byFlow]
      .map(
        ([f, m]) =>
          `${f}: ${Object.entries(m)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
      )
      .join('; ');
  }
}
