// Reference packets for the wire tests. Generated once with an independent implementation
// (python3 struct + its own RFC 1071 sum) and checked with tshark (ip/tcp.checksum.status = Good).

/** IPv4 SYN 198.18.0.2.40000 > 198.18.0.1.8080, id 0x1c46, DF, ttl 64, seq 0x12345678, win 64240,
 * options mss 1460, sackOK, TS val 123456 ecr 0, nop, wscale 7. IP cksum 0x924e, TCP cksum 0xba28. */
export const SYN_V4 = '4500003c1c4640004006924ec6120002c6120001' + '9c401f901234567800000000a002faf0ba280000020405b40402080a0001e2400000000001030307';
export const SYN_V4_IP_CKSUM = 0x924e;
export const SYN_V4_TCP_CKSUM = 0xba28;

/** IPv6 SYN [2001:db8::2].40000 > [2001:db8::1].8080, flow 0x12345, hlim 64, seq 0xfffffff0,
 * win 64800, same options. TCP cksum 0x5167. */
export const SYN_V6 =
  '600123450028064020010db8000000000000000000000002' +
  '20010db8000000000000000000000001' +
  '9c401f90fffffff000000000a002fd2051670000020405b40402080a0001e2400000000001030307';
export const SYN_V6_TCP_CKSUM = 0x5167;
