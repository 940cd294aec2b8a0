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
  'EPERM',
  'ENOENT',
  'ESRCH',
  'EINTR',
  'EIO',
  'ENXIO',
  'E2BIG',
  'ENOEXEC',
  'EBADF',
  'ECHILD',
  'EAGAIN',
  'EWOULDBLOCK',
  'ENOMEM',
  'EACCES',
  'EFAULT',
  'EBUSY',
  'EEXIST',
  'ENODEV',
  'EINVAL',
  'ENFILE',
  'EMFILE',
  'ENOSPC',
  'EPIPE',
  'ERANGE',
  'ENOSYS',
  'ENODATA',
  'ETIME',
  'EPROTO',
  'EBADMSG',
  'EOVERFLOW',
  'ENOTSOCK',
  'EDESTADDRREQ',
  'EMSGSIZE',
  'EPROTOTYPE',
  'ENOPROTOOPT',
  'EPROTONOSUPPORT',
  'ESOCKTNOSUPPORT',
  'EOPNOTSUPP',
  'ENOTSUP',
  'EPFNOSUPPORT',
  'EAFNOSUPPORT',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'ENETDOWN',
  'ENETUNREACH',
  'ENETRESET',
  'ECONNABORTED',
  'ECONNRESET',
  'ENOBUFS',
  'EISCONN',
  'ENOTCONN',
  'ESHUTDOWN',
  'ETOOMANYREFS',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EALREADY',
  'EINPROGRESS',
  'ECANCELED',
  'ENOKEY',
  'EKEYEXPIRED',
  'EKEYREVOKED',
  'EKEYREJECTED',
];

/** States as /proc/net/tcp names them (request sockets show as SYN_RECV), plus 'none'. */
export const TCP_STATE_NAMES: readonly string[] = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'none',
];

/** nstat-style counter names: the /proc/net/{snmp,netstat,snmp6} group prefix + field. */
export const COUNTER_RE = /^(TcpExt|Tcp|IpExt|Ip6|Ip|Icmp6|IcmpMsg|Icmp|UdpLite6|UdpLite|Udp6|Udp|MPTcpExt)[A-Z][A-Za-z0-9_]*$/;

/** Per-network-namespace sysctls, dotted as under /proc/sys. */
export const SYSCTL_RE = /^net\.(ipv4|ipv6|core|unix|mptcp|netfilter)(\.[A-Za-z0-9_-]+)+$/;

/** Names of flows and labels. */
export const IDENT_RE = /^[a-z][a-z0-9_-]*$/;

/**
 * The net.ipv4.* and net.core.* sysctls of Linux 6.18 (the files of /proc/sys/net/ipv4 and
 * /proc/sys/net/core): a name the model does not know but the kernel does (tcp_dsack, tcp_fack, which
 * packetdrill's defaults.sh sets) is left to the DUT kernel, never taken for a misspelling.
 */
export const KNOWN_SYSCTLS: ReadonlySet<string> = new Set(
  `
  net.ipv4.cipso_cache_bucket_size net.ipv4.cipso_cache_enable net.ipv4.cipso_rbm_optfmt 
  net.ipv4.cipso_rbm_strictvalid net.ipv4.fib_multipath_hash_fields 
  net.ipv4.fib_multipath_hash_policy net.ipv4.fib_multipath_hash_seed 
  net.ipv4.fib_multipath_use_neigh net.ipv4.fib_notify_on_flag_change net.ipv4.fib_sync_mem 
  net.ipv4.fwmark_reflect net.ipv4.icmp_echo_enable_probe net.ipv4.icmp_echo_ignore_all 
  net.ipv4.icmp_echo_ignore_broadcasts net.ipv4.icmp_errors_use_inbound_ifaddr 
  net.ipv4.icmp_ignore_bogus_error_responses net.ipv4.icmp_msgs_burst net.ipv4.icmp_msgs_per_sec 
  net.ipv4.icmp_ratelimit net.ipv4.icmp_ratemask net.ipv4.igmp_link_local_mcast_reports 
  net.ipv4.igmp_max_memberships net.ipv4.igmp_max_msf net.ipv4.igmp_qrv net.ipv4.inet_peer_maxttl 
  net.ipv4.inet_peer_minttl net.ipv4.inet_peer_threshold net.ipv4.ip_autobind_reuse 
  net.ipv4.ip_default_ttl net.ipv4.ip_dynaddr net.ipv4.ip_early_demux net.ipv4.ip_forward 
  net.ipv4.ip_forward_update_priority net.ipv4.ip_forward_use_pmtu net.ipv4.ip_local_port_range 
  net.ipv4.ip_local_reserved_ports net.ipv4.ip_no_pmtu_disc net.ipv4.ip_nonlocal_bind 
  net.ipv4.ip_unprivileged_port_start net.ipv4.ipfrag_high_thresh net.ipv4.ipfrag_low_thresh 
  net.ipv4.ipfrag_max_dist net.ipv4.ipfrag_secret_interval net.ipv4.ipfrag_time 
  net.ipv4.nexthop_compat_mode net.ipv4.ping_group_range net.ipv4.raw_l3mdev_accept 
  net.ipv4.tcp_abort_on_overflow net.ipv4.tcp_adv_win_scale net.ipv4.tcp_allowed_congestion_control 
  net.ipv4.tcp_app_win net.ipv4.tcp_autocorking net.ipv4.tcp_available_congestion_control 
  net.ipv4.tcp_available_ulp net.ipv4.tcp_backlog_ack_defer net.ipv4.tcp_base_mss 
  net.ipv4.tcp_challenge_ack_limit net.ipv4.tcp_child_ehash_entries net.ipv4.tcp_comp_sack_delay_ns 
  net.ipv4.tcp_comp_sack_nr net.ipv4.tcp_comp_sack_slack_ns net.ipv4.tcp_congestion_control 
  net.ipv4.tcp_dsack net.ipv4.tcp_early_demux net.ipv4.tcp_early_retrans net.ipv4.tcp_ecn 
  net.ipv4.tcp_ecn_fallback net.ipv4.tcp_ecn_option net.ipv4.tcp_ecn_option_beacon 
  net.ipv4.tcp_ehash_entries net.ipv4.tcp_fack net.ipv4.tcp_fastopen 
  net.ipv4.tcp_fastopen_blackhole_timeout_sec net.ipv4.tcp_fastopen_key net.ipv4.tcp_fin_timeout 
  net.ipv4.tcp_frto net.ipv4.tcp_fwmark_accept net.ipv4.tcp_invalid_ratelimit 
  net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes net.ipv4.tcp_keepalive_time 
  net.ipv4.tcp_l3mdev_accept net.ipv4.tcp_limit_output_bytes net.ipv4.tcp_low_latency 
  net.ipv4.tcp_max_orphans net.ipv4.tcp_max_reordering net.ipv4.tcp_max_syn_backlog 
  net.ipv4.tcp_max_tw_buckets net.ipv4.tcp_mem net.ipv4.tcp_migrate_req net.ipv4.tcp_min_rtt_wlen 
  net.ipv4.tcp_min_snd_mss net.ipv4.tcp_min_tso_segs net.ipv4.tcp_moderate_rcvbuf 
  net.ipv4.tcp_mtu_probe_floor net.ipv4.tcp_mtu_probing net.ipv4.tcp_no_metrics_save 
  net.ipv4.tcp_no_ssthresh_metrics_save net.ipv4.tcp_notsent_lowat net.ipv4.tcp_orphan_retries 
  net.ipv4.tcp_pacing_ca_ratio net.ipv4.tcp_pacing_ss_ratio net.ipv4.tcp_pingpong_thresh 
  net.ipv4.tcp_plb_cong_thresh net.ipv4.tcp_plb_enabled net.ipv4.tcp_plb_idle_rehash_rounds 
  net.ipv4.tcp_plb_rehash_rounds net.ipv4.tcp_plb_suspend_rto_sec net.ipv4.tcp_probe_interval 
  net.ipv4.tcp_probe_threshold net.ipv4.tcp_recovery net.ipv4.tcp_reflect_tos net.ipv4.tcp_reordering 
  net.ipv4.tcp_retrans_collapse net.ipv4.tcp_retries1 net.ipv4.tcp_retries2 net.ipv4.tcp_rfc1337 
  net.ipv4.tcp_rmem net.ipv4.tcp_rto_max_ms net.ipv4.tcp_rto_min_us net.ipv4.tcp_sack 
  net.ipv4.tcp_shrink_window net.ipv4.tcp_slow_start_after_idle net.ipv4.tcp_stdurg 
  net.ipv4.tcp_syn_linear_timeouts net.ipv4.tcp_syn_retries net.ipv4.tcp_synack_retries 
  net.ipv4.tcp_syncookies net.ipv4.tcp_thin_linear_timeouts net.ipv4.tcp_timestamps 
  net.ipv4.tcp_tso_rtt_log net.ipv4.tcp_tso_win_divisor net.ipv4.tcp_tw_reuse 
  net.ipv4.tcp_tw_reuse_delay net.ipv4.tcp_window_scaling net.ipv4.tcp_wmem 
  net.ipv4.tcp_workaround_signed_windows net.ipv4.udp_child_hash_entries net.ipv4.udp_early_demux 
  net.ipv4.udp_hash_entries net.ipv4.udp_l3mdev_accept net.ipv4.udp_mem net.ipv4.udp_rmem_min 
  net.ipv4.udp_wmem_min net.ipv4.xfrm4_gc_thresh net.core.bpf_jit_enable net.core.bpf_jit_harden 
  net.core.bpf_jit_kallsyms net.core.bpf_jit_limit net.core.busy_poll net.core.busy_read 
  net.core.default_qdisc net.core.dev_weight net.core.dev_weight_rx_bias net.core.dev_weight_tx_bias 
  net.core.devconf_inherit_init_net net.core.fb_tunnels_only_for_init_net net.core.gro_normal_batch 
  net.core.high_order_alloc_disable net.core.max_skb_frags net.core.mem_pcpu_rsv 
  net.core.message_burst net.core.message_cost net.core.netdev_budget net.core.netdev_budget_usecs 
  net.core.netdev_max_backlog net.core.netdev_rss_key net.core.netdev_tstamp_prequeue 
  net.core.netdev_unregister_timeout_secs net.core.optmem_max net.core.rmem_default net.core.rmem_max 
  net.core.rps_default_mask net.core.rps_sock_flow_entries net.core.skb_defer_max net.core.somaxconn 
  net.core.tstamp_allow_data net.core.txrehash net.core.warnings net.core.wmem_default 
  net.core.wmem_max net.core.xfrm_acq_expires net.core.xfrm_aevent_etime net.core.xfrm_aevent_rseqth 
  net.core.xfrm_larval_drop 
`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * The nstat counters (Tcp, TcpExt, Ip, IpExt) of Linux 6.18, as /proc/net/snmp and /proc/net/netstat
 * name them: a counter name one typo away from one of these is refused at load time with a "did you
 * mean"; a name far from all (a newer kernel's counter) is left to the run, which checks it against
 * the DUT kernel's own list.
 */
export const KNOWN_COUNTERS: ReadonlySet<string> = new Set(
  `
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
`
    .split(/\s+/)
    .filter(Boolean),
);

/** poll(2) event bits by name (asm-generic/poll.h): a call poll's events and the revents it expects. */
export const POLL_EVENTS: Readonly<Record<string, number>> = {
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDNORM: 0x40,
  POLLWRNORM: 0x100,
  POLLRDHUP: 0x2000,
};

/** POLL* names of a bit set, lowest bit first ("POLLIN|POLLOUT"); "0" when empty. */
export function pollNames(bits: number): string {
  const names = Object.entries(POLL_EVENTS)
    .filter(([, b]) => bits & b)
    .map(([n]) => n);
  return names.length ? names.join('|') : '0';
}

/** ECN codepoints by name: the two low bits of the TOS / traffic class (RFC 3168). */
export const ECN_CODEPOINTS: Readonly<Record<string, number>> = { 'not-ect': 0, ect1: 1, ect0: 2, ce: 3 };
