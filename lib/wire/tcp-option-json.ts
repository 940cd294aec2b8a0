// TCP options as JSON tuples (see OptionJson in types.ts). `bytes` options become
// ["kind", firstByte, hexOfAll], which reads back as an `unknown` option: the JSON form is for
// comparing packets, and a `bytes` option does not survive it. Likewise `unknown.len` is not represented.
import { fromHex, toHex } from './bytes';
import { OptionJson, TcpOption } from './types';

export function optionToJson(o: TcpOption): OptionJson {
  switch (o.kind) {
    case 'eol':
      return ['eol'];
    case 'nop':
      return ['nop'];
    case 'mss':
      return ['mss', o.value];
    case 'wscale':
      return ['wscale', o.shift];
    case 'sackOK':
      return ['sackOK'];
    case 'sack':
      return ['sack', ...o.blocks.map(([l, r]): [number, number] => [l, r])];
    case 'ts':
      return ['ts', o.val, o.ecr];
    case 'tfo':
      return o.exp ? ['tfo', toHex(o.cookie), 'exp'] : ['tfo', toHex(o.cookie)];
    case 'md5':
      return ['md5', toHex(o.digest)];
    case 'unknown':
      return ['kind', o.type, toHex(o.data)];
    case 'bytes':
      return ['kind', o.bytes.length > 0 ? o.bytes[0] : 0, toHex(o.bytes)];
  }
}

const JSON_NAMES = 'mss, wscale, sackOK, sack, ts, nop, eol, tfo, md5, kind';

/** Reads an option JSON tuple back. Throws an Error on unknown names, wrong arity or "*" values. */
export function optionFromJson(j: OptionJson): TcpOption {
  const where = JSON.stringify(j);
  if (!Array.isArray(j) || typeof j[0] !== 'string') throw new Error(`option JSON ${where}: expected ["name", ...]`);
  const num = (k: number, max: number): number => {
    const v = j[k];
    if (v === '*') throw new Error(`option JSON ${where}: wildcard "*" has no byte value`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw new Error(`option JSON ${where}: element ${k} must be an integer 0..${max}`);
    }
    return v;
  };
  const hex = (k: number): Uint8Array => {
    const v = j[k];
    if (typeof v !== 'string') throw new Error(`option JSON ${where}: element ${k} must be a hex string`);
    return fromHex(v);
  };
  const arity = (n: number) => {
    if (j.length !== n) throw new Error(`option JSON ${where}: expected ${n - 1} value(s) after "${j[0]}"`);
  };
  switch (j[0]) {
    case 'eol':
      arity(1);
      return { kind: 'eol' };
    case 'nop':
      arity(1);
      return { kind: 'nop' };
    case 'sackOK':
      arity(1);
      return { kind: 'sackOK' };
    case 'mss':
      arity(2);
      return { kind: 'mss', value: num(1, 0xffff) };
    case 'wscale':
      arity(2);
      return { kind: 'wscale', shift: num(1, 0xff) };
    case 'ts':
      arity(3);
      return { kind: 'ts', val: num(1, 0xffffffff), ecr: num(2, 0xffffffff) };
    case 'sack': {
      const blocks = j.slice(1).map((b): [number, number] => {
        if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) {
          throw new Error(`option JSON ${where}: SACK blocks must be [left, right] pairs of uint32`);
        }
        return [b[0], b[1]];
      });
      return { kind: 'sack', blocks };
    }
    case 'tfo':
      if (j.length === 3 && j[2] === 'exp') return { kind: 'tfo', cookie: hex(1), exp: true };
      arity(2);
      return { kind: 'tfo', cookie: hex(1) };
    case 'md5':
      arity(2);
      return { kind: 'md5', digest: hex(1) };
    case 'kind':
      arity(3);
      return { kind: 'unknown', type: num(1, 0xff), data: hex(2) };
    default:
      throw new Error(`option JSON ${where}: unknown option name "${j[0]}"; valid names: ${JSON_NAMES}`);
  }
}
