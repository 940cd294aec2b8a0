// The CLI option syntax: "mss=1460,sackOK,ts=100:0,nop,wscale=7".
import { fromHex } from './bytes';
import { TcpOption } from './types';

const EMPTY = new Uint8Array(0);

const SPEC_HELP =
  'mss=N, ws|wscale=N, sackOK|sack_perm, sack=L:R/L:R, ts[=VAL:ECR], nop, eol, tfo[=HEX], ' + 'tfoexp[=HEX], md5[=HEX16], kind=N[:HEX], raw=HEX';

function specNumber(item: string, s: string, max: number): number {
  const t = s.trim();
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(v) || v > max) {
    throw new Error(`bad option item "${item}": "${s}" is not an integer 0..${max}`);
  }
  return v;
}

function specHex(item: string, s: string): Uint8Array {
  try {
    return fromHex(s);
  } catch (e) {
    throw new Error(`bad option item "${item}": ${(e as Error).message}`);
  }
}

/**
 * Parses the CLI option syntax (comma-separated, names case-insensitive):
 * mss=1460, sackOK (aliases sack_perm, sackok), ts=VAL:ECR (bare ts = 0:0), nop, eol, ws|wscale=7,
 * sack=1:2/3:4, tfo (cookie request), tfo=HEX, tfoexp, tfoexp=HEX, md5=HEX (16 bytes; bare md5 = zeros),
 * kind=N:HEX (a raw TLV, length computed), raw=HEX (literal bytes, for malformed options).
 * Throws an Error naming the bad item and listing the valid names.
 */
export function parseOptionSpec(spec: string): TcpOption[] {
  const out: TcpOption[] = [];
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = (eq === -1 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? undefined : item.slice(eq + 1).trim();
    const need = (): string => {
      if (value === undefined || value === '') throw new Error(`bad option item "${item}": "${name}" needs a value (=...); valid: ${SPEC_HELP}`);
      return value;
    };
    const none = () => {
      if (value !== undefined) throw new Error(`bad option item "${item}": "${name}" takes no value; valid: ${SPEC_HELP}`);
    };
    const pair = (s: string): [number, number] => {
      const parts = s.split(':');
      if (parts.length !== 2) throw new Error(`bad option item "${item}": expected A:B, got "${s}"`);
      return [specNumber(item, parts[0], 0xffffffff), specNumber(item, parts[1], 0xffffffff)];
    };
    switch (name) {
      case 'mss':
        out.push({ kind: 'mss', value: specNumber(item, need(), 0xffff) });
        break;
      case 'ws':
      case 'wscale':
        out.push({ kind: 'wscale', shift: specNumber(item, need(), 0xff) });
        break;
      case 'sackok':
      case 'sack_perm':
        none();
        out.push({ kind: 'sackOK' });
        break;
      case 'sack':
        out.push({ kind: 'sack', blocks: need().split('/').map(pair) });
        break;
      case 'ts': {
        const [val, ecr] = value === undefined ? [0, 0] : pair(need());
        out.push({ kind: 'ts', val, ecr });
        break;
      }
      case 'nop':
        none();
        out.push({ kind: 'nop' });
        break;
      case 'eol':
        none();
        out.push({ kind: 'eol' });
        break;
      case 'tfo':
        out.push({ kind: 'tfo', cookie: value === undefined ? EMPTY : specHex(item, value) });
        break;
      case 'tfoexp':
        out.push({ kind: 'tfo', cookie: value === undefined ? EMPTY : specHex(item, value), exp: true });
        break;
      case 'md5': {
        const digest = value === undefined ? new Uint8Array(16) : specHex(item, value);
        if (digest.length !== 16) {
          throw new Error(`bad option item "${item}": an MD5 digest is 16 bytes, got ${digest.length} (use kind=19:HEX for other lengths)`);
        }
        out.push({ kind: 'md5', digest });
        break;
      }
      case 'kind': {
        const v = need();
        const colon = v.indexOf(':');
        const type = specNumber(item, colon === -1 ? v : v.slice(0, colon), 0xff);
        const data = colon === -1 ? EMPTY : specHex(item, v.slice(colon + 1));
        out.push({ kind: 'unknown', type, data });
        break;
      }
      case 'raw':
        out.push({ kind: 'bytes', bytes: specHex(item, need()) });
        break;
      default:
        throw new Error(`bad option item "${item}": unknown option "${name}"; valid: ${SPEC_HELP}`);
    }
  }
  return out;
}
