// Codec throughput: decodeIp of a SYN-ACK with full options, TcpView field reads, buildIp and
// buildIpInto. Prints figures only. Run: npx ts-node --transpile-only bench/codec.ts
import { buildIp, buildIpInto, PacketSpec } from '../lib/wire/build';
import { decodeIp } from '../lib/wire/decode';
import { TcpView } from '../lib/wire/tcp';
import { parseOptionSpec } from '../lib/wire/tcp-options';

const spec: PacketSpec = {
  ip: 4,
  src: '198.18.0.1',
  dst: '198.18.0.2',
  sport: 8080,
  dport: 40000,
  seq: 0x12345678,
  ack: 1001,
  flags: 'SA',
  window: 65160,
  options: parseOptionSpec('mss=1460,sackOK,ts=5:100,nop,wscale=10'),
};
const synack = buildIp(spec);

function bench(name: string, fn: (i: number) => number, ms = 1500): void {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += fn(i); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 10_000; i++) sink += fn(i);
    n += 10_000;
    elapsed = process.hrtime.bigint() - start;
  }
  const perSec = (n / Number(elapsed)) * 1e9;
  const line = `${name.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} /s  ` + `${(1e9 / perSec).toFixed(0).padStart(6)} ns/op`;
  console.log(sink === -1 ? '' : line);
}

console.log(`node ${process.version}, SYN-ACK of ${synack.length} bytes (doff 10)`);
bench('decodeIp (SYN-ACK, 5 options, checksums)', () => {
  const d = decodeIp(synack);
  return d.tcp ? d.tcp.options.length : 0;
});
const view = new TcpView(synack, 20, synack.length - 20);
bench('TcpView: 9 field reads', () => {
  const v = view.reset(synack, 20, 40);
  return v.sport + v.dport + v.seq + v.ack + v.dataOffset + v.flags + v.window + v.checksum + v.urg;
});
bench('buildIp (new array each time)', (i) => {
  spec.seq = i;
  return buildIp(spec).length;
});
const out = new Uint8Array(1500);
bench('buildIpInto (reused buffer)', (i) => {
  spec.seq = i;
  return buildIpInto(spec, out, 0);
});
