// tcp_select_initial_window and tcp_openreq_init_rwin (spec §4.7, §11.2).
import type { SockOpts } from '../core/sockopts';
import { rcvbufFromSockopt } from '../core/sockopts';
import type { ModelEnv } from '../core/state';

export interface WindowChoice {
  /** req rcv_wnd (unclamped by 65535). */
  rcvWnd: number;
  /** The 16-bit window field of the SYN/SYN-ACK: min(rcvWnd, 65535), never scaled. */
  field: number;
  /** Our receive window scale (0 when the peer sent no WS). */
  wscale: number;
  windowClamp: number;
  fullSpace: number;
  mssEff: number;
  text: () => string;
}

/** Default receive-buffer ratio: full_space = rcvbuf × 128/256 (50 %) on both profiles. */
export function fullSpaceOf(env: ModelEnv, opts: SockOpts): number {
  const rcvbuf = opts.rcvbuf !== undefined ? rcvbufFromSockopt(opts.rcvbuf, env.sysctls.rmem_max) : env.sysctls.tcp_rmem[1];
  return Math.floor((rcvbuf * 128) / 256);
}

function ilog2(x: number): number {
  return x <= 0 ? 0 : 31 - Math.clz32(x >>> 0);
}

/**
 * @param mssBase min(route advmss, TCP_MAXSEG)
 * @param tsBytes 12 when the (req) has timestamps, else 0 (the active SYN passes 0, §8.2)
 * @param wsOk the peer offered WS (active side: tcp_window_scaling)
 */
const CACHE = new WeakMap<SockOpts, { env: ModelEnv; m: Map<number, WindowChoice> }>();

export function selectInitialWindow(env: ModelEnv, opts: SockOpts, mssBase: number, tsBytes: number, wsOk: boolean): WindowChoice {
  let c = CACHE.get(opts);
  if (!c || c.env !== env) {
    c = { env, m: new Map() };
    CACHE.set(opts, c);
  }
  const k = mssBase * 64 + tsBytes * 2 + (wsOk ? 1 : 0);
  let w = c.m.get(k);
  if (!w) {
    w = computeInitialWindow(env, opts, mssBase, tsBytes, wsOk);
    c.m.set(k, w);
  }
  return w;
}

function computeInitialWindow(env: ModelEnv, opts: SockOpts, mssBase: number, tsBytes: number, wsOk: boolean): WindowChoice {
  const s = env.sysctls;
  let fullSpace = fullSpaceOf(env, opts);
  const mss = mssBase - tsBytes;
  let clamp = opts.windowClamp ?? env.route.window ?? 0;
  const userlock = opts.rcvbuf !== undefined;
  if (userlock && (clamp > fullSpace || clamp === 0)) clamp = fullSpace;
  const initrwnd = env.route.initrwnd;
  if (initrwnd && fullSpace < initrwnd * mss) fullSpace = initrwnd * mss;
  // 1.
  if (clamp === 0) clamp = 65535 * 2 ** 14;
  // 2.
  let space = Math.min(clamp, Math.max(fullSpace, 0));
  // 3.
  if (space > mss) space = Math.floor(space / mss) * mss;
  // 4.
  let rcvWnd = space;
  if (s.tcp_workaround_signed_windows) rcvWnd = Math.min(space, 32767);
  // 5.
  if (initrwnd) rcvWnd = Math.min(rcvWnd, initrwnd * mss);
  // 6.
  let wscale = 0;
  let sWs = 0;
  if (wsOk) {
    sWs = Math.max(space, s.tcp_rmem[2], s.rmem_max);
    sWs = Math.min(sWs, clamp);
    wscale = Math.min(14, Math.max(0, ilog2(sWs) - 15));
  }
  // 7.
  const windowClamp = Math.min(65535 * 2 ** wscale, clamp);
  const field = Math.min(rcvWnd, 65535);
  const text = () =>
    `full_space ${fullSpace}, mss ${mssBase}${tsBytes ? `−${tsBytes}` : ''}=${mss}, clamp ${clamp}` +
    ` → space ${space}, rcv_wnd ${rcvWnd}${s.tcp_workaround_signed_windows ? ' (signed-window workaround ≤ 32767)' : ''}` +
    `, window field ${field}` +
    (wsOk ? `, wscale ⌊log2 ${sWs}⌋−15 → ${wscale}` : ', no WS (peer did not offer it)');
  return { rcvWnd, field, wscale, windowClamp, fullSpace, mssEff: mss, text };
}
