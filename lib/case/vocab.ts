// Names a case file may use: socket options, errno names, TCP states, counters, sysctls. Pure.
// The socket-option and errno lists mirror harness/sys/sockopts.ts and harness/sys/errno.ts (lib/
// must not import harness/); keep them in step.

export type SockoptKind = 'int' | 'string' | 'md5sig' | 'linger' | 'bytes';

/** name → value kind and access (rw, r = getsockopt only, w = setsockopt only). */
export const SOCKOPTS: Readonly<Record<string, { kind: SockoptKind; access: 'rw' | 'r' | 'w' }>> = {
  SO_REUSEADDR: { kind: 'int', access: 'rw' },
  SO_TYPE: { kind: 'int', access: 'r' },
  SO_ERROR: { kind: 'int', access: 'r' },
  SO_SNDBUF: { kind: 'int', access: 'rw' },
  SO_RCVBUF: { kind: 'int', access: 'rw' },
  SO_KEEPALIVE: { kind: 'int', access: 'rw' },
  SO_PRIORITY: { kind: 'int', access: 'rw' },
  SO_LINGER: { kind: 'linger', access: 'rw' },
  SO_REUSEPORT: { kind: 'int', access: 'rw' },
  SO_RCVLOWAT: { kind: 'int', access: 'rw' },
  SO_BINDTODEVICE: { kind: 'string', access: 'rw' },
  SO_ACCEPTCONN: { kind: 'int', access: 'r' },
  SO_SNDBUFFORCE: { kind: 'int', access: 'w' },
  SO_RCVBUFFORCE: { kind: 'int', access: 'w' },
  SO_MARK: { kind: 'int', access: 'rw' },
  SO_PROTOCOL: { kind: 'int', access: 'r' },
  SO_DOMAIN: { kind: 'int', access: 'r' },
  SO_INCOMING_CPU: { kind: 'int', access: 'rw' },
  TCP_NODELAY: { kind: 'int', access: 'rw' },
  TCP_MAXSEG: { kind: 'int', access: 'rw' },
  TCP_CORK: { kind: 'int', access: 'rw' },
  TCP_KEEPIDLE: { kind: 'int', access: 'rw' },
  TCP_KEEPINTVL: { kind: 'int', access: 'rw' },
  TCP_KEEPCNT: { kind: 'int', access: 'rw' },
  TCP_SYNCNT: { kind: 'int', access: 'rw' },
  TCP_LINGER2: { kind: 'int', access: 'rw' },
  TCP_DEFER_ACCEPT: { kind: 'int', access: 'rw' },
  TCP_WINDOW_CLAMP: { kind: 'int', access: 'rw' },
  TCP_QUICKACK: { kind: 'int', access: 'rw' },
  TCP_CONGESTION: { kind: 'string', access: 'rw' },
  TCP_MD5SIG: { kind: 'md5sig', access: 'w' },
  TCP_THIN_LINEAR_TIMEOUTS: { kind: 'int', access: 'rw' },
  TCP_USER_TIMEOUT: { kind: 'int', access: 'rw' },
  TCP_FASTOPEN: { kind: 'int', access: 'rw' },
  TCP_TIMESTAMP: { kind: 'int', access: 'rw' },
  TCP_NOTSENT_LOWAT: { kind: 'int', access: 'rw' },
  TCP_SAVE_SYN: { kind: 'int', access: 'rw' },
  TCP_SAVED_SYN: { kind: 'bytes', access: 'r' },
  TCP_FASTOPEN_CONNECT: { kind: 'int', access: 'rw' },
  TCP_FASTOPEN_KEY: { kind: 'bytes', access: 'rw' },
  TCP_FASTOPEN_NO_COOKIE: { kind: 'int', access: 'rw' },
  TCP_TX_DELAY: { kind: 'int', access: 'rw' },
  IP_TOS: { kind: 'int', access: 'rw' },
  IP_TTL: { kind: 'int', access: 'rw' },
  IP_MTU_DISCOVER: { kind: 'int', access: 'rw' },
  IP_MTU: { kind: 'int', access: 'r' },
  IP_FREEBIND: { kind: 'int', access: 'rw' },
  IP_TRANSPARENT: { kind: 'int', access: 'rw' },
  IP_BIND_ADDRESS_NO_PORT: { kind: 'int', access: 'rw' },
  IPV6_UNICAST_HOPS: { kind: 'int', access: 'rw' },
  IPV6_MTU_DISCOVER: { kind: 'int', access: 'rw' },
  IPV6_MTU: { kind: 'int', access: 'r' },
  IPV6_V6ONLY: { kind: 'int', access: 'rw' },
  IPV6_TCLASS: { kind: 'int', access: 'rw' },
  IPV6_TRANSPARENT: { kind: 'int', access: 'rw' },
  IPV6_FREEBIND: { kind: 'int', access: 'rw' },
};
export const SOCKOPT_NAMES = Object.keys(SOCKOPTS);

/** errno names a call may expect (Linux, x86_64 / generic numbering). */
export const ERRNO_NAMES: readonly string[] = [
  'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD', 'EAGAIN',
  'EWOULDBLOCK', 'ENOMEM', 'EACCES', 'EFAULT', 'EBUSY', 'EEXIST', 'ENODEV', 'EINVAL', 'ENFILE', 'EMFILE',
  'ENOSPC', 'EPIPE', 'ERANGE', 'ENOSYS', 'ENODATA', 'ETIME', 'EPROTO', 'EBADMSG', 'EOVERFLOW', 'ENOTSOCK',
  'EDESTADDRREQ', 'EMSGSIZE', 'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT',
  'EOPNOTSUPP', 'ENOTSUP', 'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENETDOWN',
  'ENETUNREACH', 'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN', 'ENOTCONN',
  'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH', 'EALREADY',
  'EINPROGRESS', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED', 'EKEYREJECTED',
];

/** States as /proc/net/tcp names them (request sockets show as SYN_RECV), plus 'none'. */
export const TCP_STATE_NAMES: readonly string[] = [
  'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT',
  'LAST_ACK', 'LISTEN', 'CLOSING', 'none',
];

/** nstat-style counter names: the /proc/net/{snmp,netstat,snmp6} group prefix + field. */
export const COUNTER_RE = /^(TcpExt|Tcp|IpExt|Ip6|Ip|Icmp6|IcmpMsg|Icmp|UdpLite6|UdpLite|Udp6|Udp|MPTcpExt)[A-Z][A-Za-z0-9_]*$/;

/** Per-network-namespace sysctls, dotted as under /proc/sys. */
export const SYSCTL_RE = /^net\.(ipv4|ipv6|core|unix|mptcp|netfilter)(\.[A-Za-z0-9_-]+)+$/;

/** Names of flows and labels. */
export const IDENT_RE = /^[a-z][a-z0-9_-]*$/;

/**
 * The nstat counters (Tcp, TcpExt, Ip, IpExt) of Linux 6.18, as /proc/net/snmp and /proc/net/netstat
 * name them: a counter name one typo away from one of these is refused at load time with a "did you
 * mean"; a name far from all (a newer kernel's counter) is left to the run, which checks it against
 * the DUT kernel's own list.
 */
export const KNOWN_COUNTERS: ReadonlySet<string> = new Set(`
  IpDefaultTTL IpExtInBcastOctets IpExtInBcastPkts IpExtInCEPkts IpExtInCsumErrors
  IpExtInECT0Pkts IpExtInECT1Pkts IpExtInMcastOctets IpExtInMcastPkts IpExtInNoECTPkts
  IpExtInNoRoutes IpExtInOctets IpExtInTruncatedPkts IpExtOutBcastOctets IpExtOutBcastPkts
  IpExtOutMcastOctets IpExtOutMcastPkts IpExtOutOctets IpExtReasmOverlaps IpForwDatagrams
  IpForwarding IpFragCreates IpFragFails IpFragOKs IpInAddrErrors IpInDelivers IpInDiscards
  IpInHdrErrors IpInReceives IpInUnknownProtos IpOutDiscards IpOutNoRoutes IpOutRequests
  IpOutTransmits IpReasmFails IpReasmOKs IpReasmReqds IpReasmTimeout TcpActiveOpens
  TcpAttemptFails TcpCurrEstab TcpEstabResets TcpExtArpFilter TcpExtBeyondWindow
  TcpExtBusyPollRxPackets TcpExtDelayedACKLocked TcpExtDelayedACKLost TcpExtDelayedACKs
  TcpExtEmbryonicRsts TcpExtIPReversePathFilter TcpExtListenDrops TcpExtListenOverflows
  TcpExtLockDroppedIcmps TcpExtOfoPruned TcpExtOutOfWindowIcmps TcpExtPAWSActive TcpExtPAWSEstab
  TcpExtPAWSOldAck TcpExtPAWSTimewait TcpExtPFMemallocDrop TcpExtPruneCalled TcpExtRcvPruned
  TcpExtSyncookiesFailed TcpExtSyncookiesRecv TcpExtSyncookiesSent TcpExtTCPACKSkippedChallenge
  TcpExtTCPACKSkippedFinWait2 TcpExtTCPACKSkippedPAWS TcpExtTCPACKSkippedSeq
  TcpExtTCPACKSkippedSynRecv TcpExtTCPACKSkippedTimeWait TcpExtTCPAOBad TcpExtTCPAODroppedIcmps
  TcpExtTCPAOGood TcpExtTCPAOKeyNotFound TcpExtTCPAORequired TcpExtTCPAbortFailed
  TcpExtTCPAbortOnClose TcpExtTCPAbortOnData TcpExtTCPAbortOnLinger TcpExtTCPAbortOnMemory
  TcpExtTCPAbortOnTimeout TcpExtTCPAckCompressed TcpExtTCPAutoCorking TcpExtTCPBacklogCoalesce
  TcpExtTCPBacklogDrop TcpExtTCPChallengeACK TcpExtTCPDSACKIgnoredDubious
  TcpExtTCPDSACKIgnoredNoUndo TcpExtTCPDSACKIgnoredOld TcpExtTCPDSACKOfoRecv
  TcpExtTCPDSACKOfoSent TcpExtTCPDSACKOldSent TcpExtTCPDSACKRecv TcpExtTCPDSACKRecvSegs
  TcpExtTCPDSACKUndo TcpExtTCPDeferAcceptDrop TcpExtTCPDelivered TcpExtTCPDeliveredCE
  TcpExtTCPFastOpenActive TcpExtTCPFastOpenActiveFail TcpExtTCPFastOpenBlackhole
  TcpExtTCPFastOpenCookieReqd TcpExtTCPFastOpenListenOverflow TcpExtTCPFastOpenPassive
  TcpExtTCPFastOpenPassiveAltKey TcpExtTCPFastOpenPassiveFail TcpExtTCPFastRetrans
  TcpExtTCPFromZeroWindowAdv TcpExtTCPFullUndo TcpExtTCPHPAcks TcpExtTCPHPHits
  TcpExtTCPHystartDelayCwnd TcpExtTCPHystartDelayDetect TcpExtTCPHystartTrainCwnd
  TcpExtTCPHystartTrainDetect TcpExtTCPKeepAlive TcpExtTCPLossFailures
  TcpExtTCPLossProbeRecovery TcpExtTCPLossProbes TcpExtTCPLossUndo TcpExtTCPLostRetransmit
  TcpExtTCPMD5Failure TcpExtTCPMD5NotFound TcpExtTCPMD5Unexpected TcpExtTCPMTUPFail
  TcpExtTCPMTUPSuccess TcpExtTCPMemoryPressures TcpExtTCPMemoryPressuresChrono
  TcpExtTCPMigrateReqFailure TcpExtTCPMigrateReqSuccess TcpExtTCPMinTTLDrop TcpExtTCPOFODrop
  TcpExtTCPOFOMerge TcpExtTCPOFOQueue TcpExtTCPOrigDataSent TcpExtTCPPLBRehash
  TcpExtTCPPartialUndo TcpExtTCPPureAcks TcpExtTCPRcvCoalesce TcpExtTCPRcvCollapsed
  TcpExtTCPRcvQDrop TcpExtTCPRenoFailures TcpExtTCPRenoRecovery TcpExtTCPRenoRecoveryFail
  TcpExtTCPRenoReorder TcpExtTCPReqQFullDoCookies TcpExtTCPReqQFullDrop TcpExtTCPRetransFail
  TcpExtTCPSACKDiscard TcpExtTCPSACKReneging TcpExtTCPSACKReorder TcpExtTCPSYNChallenge
  TcpExtTCPSackFailures TcpExtTCPSackMerged TcpExtTCPSackRecovery TcpExtTCPSackRecoveryFail
  TcpExtTCPSackShiftFallback TcpExtTCPSackShifted TcpExtTCPSlowStartRetrans
  TcpExtTCPSpuriousRTOs TcpExtTCPSpuriousRtxHostQueues TcpExtTCPSynRetrans TcpExtTCPTSReorder
  TcpExtTCPTimeWaitOverflow TcpExtTCPTimeouts TcpExtTCPToZeroWindowAdv
  TcpExtTCPWantZeroWindowAdv TcpExtTCPWinProbe TcpExtTCPWqueueTooBig TcpExtTCPZeroWindowDrop
  TcpExtTSEcrRejected TcpExtTW TcpExtTWKilled TcpExtTWRecycled TcpExtTcpDuplicateDataRehash
  TcpExtTcpTimeoutRehash TcpInCsumErrors TcpInErrs TcpInSegs TcpMaxConn TcpOutRsts TcpOutSegs
  TcpPassiveOpens TcpRetransSegs TcpRtoAlgorithm TcpRtoMax TcpRtoMin
`.split(/\s+/).filter(Boolean));
