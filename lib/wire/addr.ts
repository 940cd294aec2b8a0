// Address text forms: IPv4 dotted quad, IPv6 (RFC 4291 input, RFC 5952 output), MAC.
// The *ToBytes functions parse user text and throw on bad input; *FromBytes never throw.

/** Parses a dotted quad ("198.18.0.1") into 4 bytes. Throws on anything else. */
export function ipv4ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(4);
  if (!parseIpv4Into(s, out, 0)) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  return out;
}

/** Writes the 4 bytes of a dotted quad at out[off]; false (nothing promised written) if malformed. */
export function parseIpv4Into(s: string, out: Uint8Array, off: number): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // virtual '.' at the end
    if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false; // no leading zeros ("01" is octal to some parsers)
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Dotted quad of the 4 bytes at u8[off]. */
export function ipv4FromBytes(u8: Uint8Array, off = 0): string {
  return `${u8[off] | 0}.${u8[off + 1] | 0}.${u8[off + 2] | 0}.${u8[off + 3] | 0}`;
}

/** The 4 bytes at u8[off] as an unsigned 32-bit number. */
export function ipv4U32(u8: Uint8Array, off = 0): number {
  return ((u8[off] << 24) | (u8[off + 1] << 16) | (u8[off + 2] << 8) | u8[off + 3]) >>> 0;
}

/**
 * Parses any RFC 4291 §2.2 text form: eight groups, "::" compression, and a trailing embedded
 * dotted quad ("::ffff:192.0.2.1", "64:ff9b::198.51.100.7"). Zone ids ("%eth0") are rejected.
 */
export function ipv6ToBytes(s: string): Uint8Array {
  const fail = (why: string): never => {
    throw new Error(`invalid IPv6 address ${JSON.stringify(s)}: ${why}`);
  };
  if (s.includes('%')) fail('zone ids are not supported');
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) fail('more than one "::"');
  const head = dbl === -1 ? s : s.slice(0, dbl);
  const tail = dbl === -1 ? '' : s.slice(dbl + 2);
  const words = (part: string, allowV4: boolean): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    groups.forEach((g, i) => {
      if (allowV4 && i === groups.length - 1 && g.includes('.')) {
        const v4 = new Uint8Array(4);
        if (!parseIpv4Into(g, v4, 0)) fail(`bad embedded IPv4 "${g}"`);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) fail(`bad group "${g}"`);
        out.push(parseInt(g, 16));
      }
    });
    return out;
  };
  const hw = words(head, dbl === -1);
  const tw = words(tail, true);
  let all: number[];
  if (dbl === -1) {
    if (hw.length !== 8) fail(`${hw.length} groups instead of 8`);
    all = hw;
  } else {
    const zeros = 8 - hw.length - tw.length;
    if (zeros < 1) fail('"::" must stand for at least one group');
    all = [...hw, ...new Array<number>(zeros).fill(0), ...tw];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i] >> 8;
    out[2 * i + 1] = all[i] & 0xff;
  }
  return out;
}

/**
 * RFC 5952 canonical text of the 16 bytes at u8[off]: lowercase, no leading zeros, the longest run
 * (≥ 2) of zero groups as "::" (the first on a tie), and IPv4-mapped addresses as ::ffff:a.b.c.d.
 */
export function ipv6FromBytes(u8: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(((u8[off + 2 * i] << 8) | u8[off + 2 * i + 1]) & 0xffff);
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${ipv4FromBytes(u8, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (bestStart === -1) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** Parses "aa:bb:cc:dd:ee:ff" (also '-' separated, any case) into 6 bytes. Throws on anything else. */
export function macToBytes(s: string): Uint8Array {
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(s);
  if (!m) throw new Error(`invalid MAC address ${JSON.stringify(s)} (expected aa:bb:cc:dd:ee:ff)`);
  return Uint8Array.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h, 16)));
}

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** "aa:bb:cc:dd:ee:ff" (lowercase) of the 6 bytes at u8[off]. */
export function macFromBytes(u8: Uint8Array, off = 0): string {
  let s = HEX2[u8[off] & 0xff];
  for (let i = 1; i < 6; i++) s += ':' + HEX2[u8[off + i] & 0xff];
  return s;
}
