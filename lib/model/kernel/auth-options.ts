// The authentication-option pre-parse and the gate built on it (spec §3.2, §3.4; corrections in
// docs/model-corrections.md, rules auth.*):
//  - tcp_do_parse_auth_options (6.7+, via tcp_parse_auth_options): a walk of the option area that runs
//    only while at least TCPOLEN_MD5SIG (18) bytes remain — with CONFIG_TCP_AO the bound is
//    sizeof(struct tcp_ao_hdr) + 1 = 5 — skipping NOPs one byte at a time and stopping at EOL. An
//    option with length < 2 or longer than what remains, an MD5 option whose length is not 18, an AO
//    option of 4 bytes or less, or a second auth option (MD5 or AO) is an error. The kernel's callers
//    drop the segment (tcp_inbound_hash) or send no RST (tcp_v4_send_reset / tcp_v6_send_reset).
//    Below the bound the walk stops silently and tcp_parse_options' own rules apply (§4.2).
//  - tcp_parse_md5sig_option (6.1 and older): the same bounded walk, but a bad option only means
//    "no MD5 option found"; there is no error and no duplicate check.
//  - tcp_inbound_hash: the per-socket gate (listener, request socket, full sockets — not TIME_WAIT).
// Written from the behaviour measured on 6.18.44 (no CONFIG_TCP_AO, CONFIG_TCP_MD5SIG=y); see the
// evidence in docs/model-corrections.md. No kernel source is reproduced.
import type { Profile } from '../core/profile';
import type { Seg } from '../core/seg';
import type { Step } from '../core/state';

export const TCPOLEN_MD5SIG = 18;
/** sizeof(struct tcp_ao_hdr): kind, length, keyid, rnext_keyid. */
export const TCP_AO_HDR_LEN = 4;
const OPT_MD5 = 19;
const OPT_AO = 29;

export interface AuthError {
  /** EINVAL: malformed option; EEXIST: a second auth option. */
  code: 'EINVAL' | 'EEXIST';
  kind: number;
  len: number;
  /** Offset of the offending option in the option area. */
  offset: number;
  /** Option bytes left at that offset (the walk's `length`). */
  remaining: number;
  text: string;
}

export interface AuthOpts {
  /** An MD5 option (kind 19, length 18) was located. */
  md5: boolean;
  /** A TCP-AO option (kind 29, length > 4) was located (6.7+ only). */
  ao: boolean;
  /** 6.7+: the walk failed (the segment is dropped / gets no RST). */
  error?: AuthError;
  /** 6.1: the walk ended at a malformed option without an error (no MD5 located). */
  legacyStop?: AuthError;
}

/** Smallest number of remaining option bytes for which the walk still looks at an option. */
export function authWalkMinLen(p: Profile): number {
  return p.tcpAo ? TCP_AO_HDR_LEN + 1 : TCPOLEN_MD5SIG;
}

const NONE: AuthOpts = Object.freeze({ md5: false, ao: false }) as AuthOpts;

function fail(code: AuthError['code'], kind: number, len: number, offset: number, remaining: number, text: string): AuthError {
  return { code, kind, len, offset, remaining, text: `${text} (kind ${kind}, length ${len}, at offset ${offset} with ${remaining} option bytes left)` };
}

/**
 * The auth-option walk over raw option bytes: the whole area (doff×4 − 20 bytes, padding included),
 * b[start, end). Offsets in errors are relative to `start`.
 */
export function parseAuthBytes(b: Uint8Array, p: Pick<Profile, 'authParse' | 'tcpAo'>, start = 0, end = b.length): AuthOpts {
  const legacy = p.authParse === 'md5sig';
  const minLen = !legacy && p.tcpAo ? TCP_AO_HDR_LEN + 1 : TCPOLEN_MD5SIG;
  let md5 = false;
  let ao = false;
  let i = start;
  let rem = end - start;
  while (rem >= minLen) {
    const kind = b[i];
    if (kind === 0) break; // EOL
    if (kind === 1) {
      i++;
      rem--;
      continue;
    }
    const len = b[i + 1];
    if (len < 2 || len > rem) {
      const e = fail('EINVAL', kind, len, i - start, rem, len < 2 ? 'option length < 2' : 'option longer than the bytes left');
      return legacy ? { md5: false, ao: false, legacyStop: e } : { md5, ao, error: e };
    }
    if (kind === OPT_MD5) {
      if (legacy) {
        // tcp_parse_md5sig_option returns the first MD5 option it meets (NULL if its length is wrong).
        if (len === TCPOLEN_MD5SIG) return { md5: true, ao: false };
        return { md5: false, ao: false, legacyStop: fail('EINVAL', kind, len, i - start, rem, 'MD5 option length is not 18') };
      }
      if (len !== TCPOLEN_MD5SIG) return { md5, ao, error: fail('EINVAL', kind, len, i - start, rem, 'MD5 option length is not 18') };
      if (md5 || ao) return { md5, ao, error: fail('EEXIST', kind, len, i - start, rem, 'second auth option') };
      md5 = true;
    } else if (kind === OPT_AO && !legacy) {
      if (len <= TCP_AO_HDR_LEN) return { md5, ao, error: fail('EINVAL', kind, len, i - start, rem, 'TCP-AO option of 4 bytes or less') };
      if (md5 || ao) return { md5, ao, error: fail('EEXIST', kind, len, i - start, rem, 'second auth option') };
      ao = true;
    }
    i += len;
    rem -= len;
  }
  return md5 || ao ? { md5, ao } : NONE;
}

/** The auth walk of a segment's option area (once per segment and parser flavour). */
export function authOf(p: Profile, seg: Seg): AuthOpts {
  const key = p.tcpAo ? (p.authParse === 'auth' ? 'auth+ao' : 'md5sig+ao') : p.authParse;
  if (seg.authKey === key) return seg.auth as AuthOpts;
  const a = parseAuthBytes(seg.areaBytes, p, seg.areaStart, seg.areaEnd);
  seg.authKey = key;
  seg.auth = a;
  return a;
}

/**
 * tcp_inbound_hash for the socket a segment reached (listener, request socket or full socket; the
 * kernel does not call it for TIME_WAIT). `hasKey`: the socket holds an MD5 key for the peer.
 * true = continue processing.
 */
export function inboundHash(st: Step, seg: Seg, hasKey: boolean, isReq = false): boolean {
  const p = st.env.profile;
  const a = authOf(p, seg);
  if (a.error) {
    const e = a.error;
    st.why('auth.malformed', () => `${e.text}: tcp_do_parse_auth_options fails (${e.code}), segment dropped without a reply`);
    return false;
  }
  if (a.legacyStop) {
    const e = a.legacyStop;
    st.why('auth.legacy-no-md5', () => `${e.text}: tcp_parse_md5sig_option stops, no MD5 option located, processing goes on`);
  }
  if (!a.md5 && !a.ao) {
    if (hasKey) {
      st.count('TcpExtTCPMD5NotFound');
      st.why('md5.required', 'socket holds an MD5 key for this peer but the segment has no MD5 option: dropped');
      return false;
    }
    return true;
  }
  if (a.ao) {
    if (p.tcpAo) {
      st.count('TcpExtTCPAOKeyNotFound');
      st.why('ao.unexpected', 'TCP-AO option, the socket has no AO key: dropped [inferred]');
      return false;
    }
    if (isReq) {
      // A request socket drops every segment with a located AO option on this build — third ACK,
      // out-of-window ACK, RST, duplicate SYN alike: no stateless ACK, no SYN-ACK, no child, the req
      // stays; TcpExtTCPAOBad +1 (measured on 6.18.44, both families, no MD5 key; correction C17).
      st.count('TcpExtTCPAOBad');
      st.why('ao.req-drop', 'request socket, segment with a located TCP-AO option: dropped (TCPAOBad), req kept');
      return false;
    }
    if (hasKey) {
      st.why('ao.md5-key-bypass', 'MD5-keyed socket, segment with a TCP-AO option and no MD5: AO check is a stub on this build, accepted');
    } else {
      st.why('ao.ignored', 'TCP-AO option (kind 29): no AO support on this build, accepted unchecked');
    }
    return true;
  }
  if (!hasKey) {
    st.count('TcpExtTCPMD5Unexpected');
    st.why('md5.unexpected', 'MD5 option but no key for this peer: dropped');
    return false;
  }
  st.why('md5.assumed-good', 'MD5 option with a configured key: digest assumed valid [inferred]');
  return true;
}

/**
 * The auth checks at the top of tcp_v4_send_reset / tcp_v6_send_reset: false = no RST. A failed walk
 * always suppresses the RST; a located AO option suppresses it on IPv4 when the build has no
 * CONFIG_TCP_AO (measured: IPv6 still sends the RST), and [inferred] on AO builds without AO keys.
 */
export function resetAuthOk(st: Step, seg: Seg): boolean {
  const p = st.env.profile;
  const a = authOf(p, seg);
  if (a.error) {
    const e = a.error;
    st.why('auth.no-rst', () => `${e.text}: tcp_parse_auth_options fails (${e.code}), no RST`);
    return false;
  }
  if (a.ao && (p.tcpAo || seg.ipv === 4)) {
    st.why('auth.ao-no-rst', () =>
      p.tcpAo
        ? 'TCP-AO option and no AO key to sign the RST: no RST [inferred]'
        : 'IPv4 segment with a TCP-AO option on a build without CONFIG_TCP_AO: the RST cannot be signed, none is sent',
    );
    return false;
  }
  return true;
}
