// TCP options: a byte-exact decoder (parse → emit gives the same bytes for any input) and the
// encoder. The kernel's own interpretation (what it ignores, what it clamps) lives in the model, not
// here. The JSON tuple form and the CLI spec syntax live next door and are re-exported from here.
import {
  DecodeNote,
  TcpOption,
  OPT_EOL,
  OPT_EXP,
  OPT_MD5,
  OPT_MSS,
  OPT_NOP,
  OPT_SACK,
  OPT_SACK_PERM,
  OPT_TFO,
  OPT_TS,
  OPT_WSCALE,
  TFO_EXP_MAGIC,
} from './types';

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/**
 * Walks an option area byte-exactly. Well-formed TLVs of known kinds and lengths get their shape,
 * other TLVs are `unknown`; what is not a TLV (bytes after EOL, lone kind byte, length < 2, length
 * beyond the end) becomes one `bytes` option holding the rest of the area, with a note.
 * Byte arrays in the result are subarrays of `bytes` (no copies). Never throws.
 * `baseOffset` is added to note offsets (e.g. the options' offset in the whole packet).
 */
export function parseOptions(bytes: Uint8Array, notes?: DecodeNote[], baseOffset = 0): TcpOption[] {
  const out: TcpOption[] = [];
  const n = bytes.length;
  let i = 0;
  const rest = (message: string, note: string) => {
    out.push({ kind: 'bytes', bytes: bytes.subarray(i), note });
    notes?.push({ layer: 'options', offset: baseOffset + i, message });
  };
  while (i < n) {
    const kind = bytes[i];
    if (kind === OPT_EOL) {
      out.push({ kind: 'eol' });
      i++;
      if (i < n) {
        const tail = bytes.subarray(i);
        let nonZero = false;
        for (let k = 0; k < tail.length; k++) if (tail[k] !== 0) nonZero = true;
        out.push({ kind: 'bytes', bytes: tail, note: nonZero ? 'data after EOL' : 'padding after EOL' });
        // Zero padding after EOL is normal; only non-zero bytes there are worth a note.
        if (nonZero) notes?.push({ layer: 'options', offset: baseOffset + i, message: 'non-zero bytes after EOL' });
      }
      return out;
    }
    if (kind === OPT_NOP) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    if (i + 1 >= n) {
      rest(`option kind ${kind} without a length byte at the end of the options`, 'lone kind byte');
      return out;
    }
    const len = bytes[i + 1];
    if (len < 2) {
      rest(`option kind ${kind} with silly length ${len}`, `silly length ${len}`);
      return out;
    }
    if (len > n - i) {
      rest(`option kind ${kind} length ${len} runs past the end (${n - i} bytes left)`, 'truncated option');
      return out;
    }
    const b = i + 2; // first data byte
    const dlen = len - 2;
    switch (kind) {
      case OPT_MSS:
        out.push(len === 4 ? { kind: 'mss', value: (bytes[b] << 8) | bytes[b + 1] } : unknown(bytes, kind, b, dlen));
        break;
      case OPT_WSCALE:
        out.push(len === 3 ? { kind: 'wscale', shift: bytes[b] } : unknown(bytes, kind, b, dlen));
        break;
      case OPT_SACK_PERM:
        out.push(len === 2 ? { kind: 'sackOK' } : unknown(bytes, kind, b, dlen));
        break;
      case OPT_SACK:
        if (dlen >= 8 && dlen % 8 === 0) {
          const blocks: Array<[number, number]> = [];
          for (let k = b; k < b + dlen; k += 8) blocks.push([u32(bytes, k), u32(bytes, k + 4)]);
          out.push({ kind: 'sack', blocks });
        } else {
          out.push(unknown(bytes, kind, b, dlen));
        }
        break;
      case OPT_TS:
        out.push(len === 10 ? { kind: 'ts', val: u32(bytes, b), ecr: u32(bytes, b + 4) } : unknown(bytes, kind, b, dlen));
        break;
      case OPT_TFO:
        out.push({ kind: 'tfo', cookie: bytes.subarray(b, b + dlen) });
        break;
      case OPT_EXP:
        if (dlen >= 2 && ((bytes[b] << 8) | bytes[b + 1]) === TFO_EXP_MAGIC) {
          out.push({ kind: 'tfo', cookie: bytes.subarray(b + 2, b + dlen), exp: true });
        } else {
          out.push(unknown(bytes, kind, b, dlen));
        }
        break;
      case OPT_MD5:
        out.push(len === 18 ? { kind: 'md5', digest: bytes.subarray(b, b + 16) } : unknown(bytes, kind, b, dlen));
        break;
      default:
        out.push(unknown(bytes, kind, b, dlen));
    }
    i += len;
  }
  return out;
}

function unknown(bytes: Uint8Array, type: number, b: number, dlen: number): TcpOption {
  return { kind: 'unknown', type, data: bytes.subarray(b, b + dlen) };
}

/** Encoded size of one option in bytes. */
export function optionByteLength(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackOK':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'ts':
      return 10;
    case 'tfo':
      return (o.exp ? 4 : 2) + o.cookie.length;
    case 'md5':
      return 2 + o.digest.length;
    case 'unknown':
      return 2 + o.data.length;
    case 'bytes':
      return o.bytes.length;
  }
}

/** Encoded size of an option list (no padding). */
export function optionsByteLength(opts: readonly TcpOption[]): number {
  let n = 0;
  for (let k = 0; k < opts.length; k++) n += optionByteLength(opts[k]);
  return n;
}

function put32(out: Uint8Array, i: number, v: number): void {
  out[i] = v >>> 24;
  out[i + 1] = v >>> 16;
  out[i + 2] = v >>> 8;
  out[i + 3] = v;
}

/**
 * Writes the options at out[off] exactly as given (length bytes are computed from the data, except
 * `unknown.len` which is written literally when set; values are truncated to their field width).
 * No padding. Returns the number of bytes written. `out` must be large enough.
 */
export function emitOptionsInto(opts: readonly TcpOption[], out: Uint8Array, off: number): number {
  let i = off;
  for (let k = 0; k < opts.length; k++) {
    const o = opts[k];
    switch (o.kind) {
      case 'eol':
        out[i++] = OPT_EOL;
        break;
      case 'nop':
        out[i++] = OPT_NOP;
        break;
      case 'mss':
        out[i] = OPT_MSS;
        out[i + 1] = 4;
        out[i + 2] = o.value >>> 8;
        out[i + 3] = o.value;
        i += 4;
        break;
      case 'wscale':
        out[i] = OPT_WSCALE;
        out[i + 1] = 3;
        out[i + 2] = o.shift;
        i += 3;
        break;
      case 'sackOK':
        out[i] = OPT_SACK_PERM;
        out[i + 1] = 2;
        i += 2;
        break;
      case 'sack':
        out[i] = OPT_SACK;
        out[i + 1] = 2 + 8 * o.blocks.length;
        i += 2;
        for (const [l, r] of o.blocks) {
          put32(out, i, l);
          put32(out, i + 4, r);
          i += 8;
        }
        break;
      case 'ts':
        out[i] = OPT_TS;
        out[i + 1] = 10;
        put32(out, i + 2, o.val);
        put32(out, i + 6, o.ecr);
        i += 10;
        break;
      case 'tfo':
        if (o.exp) {
          out[i] = OPT_EXP;
          out[i + 1] = 4 + o.cookie.length;
          out[i + 2] = TFO_EXP_MAGIC >> 8;
          out[i + 3] = TFO_EXP_MAGIC & 0xff;
          i += 4;
        } else {
          out[i] = OPT_TFO;
          out[i + 1] = 2 + o.cookie.length;
          i += 2;
        }
        out.set(o.cookie, i);
        i += o.cookie.length;
        break;
      case 'md5':
        out[i] = OPT_MD5;
        out[i + 1] = 2 + o.digest.length;
        out.set(o.digest, i + 2);
        i += 2 + o.digest.length;
        break;
      case 'unknown':
        out[i] = o.type;
        out[i + 1] = o.len ?? 2 + o.data.length;
        out.set(o.data, i + 2);
        i += 2 + o.data.length;
        break;
      case 'bytes':
        out.set(o.bytes, i);
        i += o.bytes.length;
        break;
    }
  }
  return i - off;
}

/** Encodes an option list exactly as given (no padding). */
export function emitOptions(opts: readonly TcpOption[]): Uint8Array {
  const out = new Uint8Array(optionsByteLength(opts));
  emitOptionsInto(opts, out, 0);
  return out;
}

export { optionFromJson, optionToJson } from './tcp-option-json';
export { parseOptionSpec } from './tcp-option-spec';
