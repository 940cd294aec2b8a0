// Simultaneous open (spec §8.5): a SYN without ACK in SYN_SENT → SYN_RECV, our SYN re-sent with ACK
// (same ISN, options rebuilt from local sysctls, TSecr = the peer's TSval or 0).
import { ACK, CWR, ECE, SYN } from '../../wire/types';
import { emitSyn } from './connect';
import type { KernelOpts } from './parse-options';
import type { Seg } from '../core/seg';
import type { Sock, Step } from '../core/state';
import { numText } from '../core/symbols';

export function simultaneousOpen(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  const peerEcn = (seg.flags & ECE) !== 0 && (seg.flags & CWR) !== 0;
  const ecnOk = sock.ecnOk && peerEcn;
  const flags = SYN | ACK | (ecnOk ? ECE : 0);
  const tpl = { ...sock.tpl!, flags };
  const s: Sock = {
    ...sock,
    state: 'SYN_RECV',
    rcvIsn: seg.seq,
    rcvNxt: (seg.seq + 1) >>> 0,
    tsRecent: ko.ts ? ko.tsVal : 0,
    ecnOk,
    tpl,
  };
  const r = st.why(
    'simopen.synack',
    () =>
      `crossed SYN seq ${seg.seq}: SYN_RECV, SYN-ACK seq ${numText(sock.isn)} ack ${s.rcvNxt}, local options, TSecr ${s.tsRecent}${seg.len ? `, ${seg.len} B payload discarded` : ''}`,
  );
  const out = emitSyn(st, s, flags, r, st.now);
  st.setSock(s.key, out);
}
