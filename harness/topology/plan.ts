// Address plan for the test topology. Only the benchmarking ranges are used:
// 198.18.0.0/15 (RFC 2544) for IPv4 and 2001:2::/48 (RFC 5180) for IPv6.
// Lab number i (0..255) gets 198.18.i.0/24 and 2001:2:0:i::/64; the DUT is .1 / ::1, the peer
// (an address no stack owns: only the harness speaks for it) is .2 / ::2.

import { ipv6FromBytes, ipv6ToBytes } from '../../lib/wire/addr';

export interface LabAddresses {
  index: number;
  testerIf: string; // veth end in the tester namespace
  dutIf: string; // veth end in the DUT namespace
  /** broadcast: the DUT subnet's directed broadcast address. */
  v4: { dut: string; peer: string; prefix: string; tester: string; broadcast: string };
  v6: { dut: string; peer: string; prefix: string; tester: string };
}

/** RFC 5952 text, the form the decoder prints, so addresses compare as strings. */
const canon6 = (s: string): string => ipv6FromBytes(ipv6ToBytes(s), 0);

export function labAddresses(index: number): LabAddresses {
  if (!Number.isInteger(index) || index < 0 || index > 255) throw new Error(`lab index ${index} out of range 0..255`);
  const hex = index.toString(16);
  return {
    index,
    testerIf: `synt${index}`,
    dutIf: 'dut0',
    // tester: the tester end's own addresses, used by nothing but libpcap's netmask lookup (v4) and the
    // source-address lookup of raw IPv6 sends (v6). They are not the peer address: the peer stays
    // owned by no stack.
    v4: { dut: `198.18.${index}.1`, peer: `198.18.${index}.2`, prefix: `198.18.${index}.0/24`, tester: `198.18.${index}.3`, broadcast: `198.18.${index}.255` },
    v6: {
      dut: canon6(`2001:2:0:${hex}::1`),
      peer: canon6(`2001:2:0:${hex}::2`),
      prefix: `${canon6(`2001:2:0:${hex}::`)}/64`,
      tester: canon6(`2001:2:0:${hex}::3`),
    },
  };
}
