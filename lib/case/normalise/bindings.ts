// Expressions (dut.isn+1, peer.tsval, …): each is evaluated in its step's flow, and its base must be
// bindable by then — an earlier packet of that flow could carry it. Pure.
import type { Expr, Value } from '../types';
import type { CaseContext, Path } from './context';

/** "the DUT's SYN" or "the DUT's SYN-ACK": the packet that binds dut.isn in this case. */
export function isnPacket(ctx: CaseContext): string {
  return ctx.setup.kind === 'connect' ? "the DUT's SYN" : "the DUT's SYN-ACK";
}

/** Attaches the flow to an expression and checks that its base can be bound at this point. */
export function useValue(ctx: CaseContext, v: Value, flow: string, path: Path, selfBindsIsn: boolean): Value {
  if (typeof v === 'number') return v;
  const e: Expr = { ...v, flow };
  const st = ctx.walk.bindings.get(flow)!;
  if (e.base === 'dut.isn' && !st.dutIsn && !selfBindsIsn) {
    if (ctx.setup.kind === 'closed') {
      ctx.problem(path, `${e.text}: a closed port never sends a SYN, so dut.isn is never known — write the number instead`);
    } else {
      ctx.problem(
        path,
        `${e.text} is used before dut.isn is known on flow ${flow} — add an expect that sees ${isnPacket(ctx)} on flow ${flow} before this step`,
      );
    }
  } else if (e.base === 'dut.tsval' && !st.dutTs) {
    ctx.problem(
      path,
      `${e.text} is used before any expected packet on flow ${flow} could carry a TS option — expect a packet with TS first, or write the number`,
    );
  } else if (e.base === 'peer.tsval' && !st.peerTs) {
    ctx.problem(path, `${e.text} is used before the peer sent a TS option on flow ${flow} — send ts=VAL:ECR on flow ${flow} first, or write the number`);
  }
  return e;
}
