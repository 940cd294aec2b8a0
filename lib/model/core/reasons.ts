// The rule catalogue: every decision the model can take, with the kernel function it mirrors, the
// kernel source file that defines that function, and the spec section it comes from
// (docs/handshake-spec.md). A Reason names one rule; its text is formatted
// lazily (the fuzzer builds millions of them and reads few).
//
// `file` is where 6.18 defines the function (an IPv4 name stands for its IPv6 twin in
// net/ipv6/tcp_ipv6.c; familyFn gives the twin's name, and reports use it); on 6.1 the ECN helpers 6.18 keeps in include/net/tcp_ecn.h were in
// net/ipv4/tcp_input.c and tcp_output.c. Empty for the model's own rules (profile choice, timers,
// events it cannot read), which mirror no kernel function.

type Def = readonly [fn: string, file: string, spec: string, summary: string];

const DEFS = {
  // --- profile / sysctl / events (index.ts, profile.ts) ---------------------------------------
  'profile.exact': ['(profile)', '', '§10', 'a measured kernel: flags from the version facts (lib/model/core/profile.ts)'],
  'profile.nearest': [
    '(profile)',
    '',
    '§10',
    'an unmeasured kernel: flags from the version facts, the nearest measured kernel and its distance named [inferred]',
  ],
  'event.listen': ['inet_csk_listen_start', 'net/ipv4/inet_connection_sock.c', '§4.1', 'listen(): backlog = min(backlog, somaxconn)'],
  'event.listen-in-use': ['inet_csk_get_port', 'net/ipv4/inet_connection_sock.c', '§4.1', 'listen() on a port that already listens: EADDRINUSE, no change'],
  'event.setsockopt': ['do_tcp_setsockopt', 'net/ipv4/tcp.c', '§4.7', 'socket option changed on the listener'],
  'event.setsockopt-no-socket': ['do_tcp_setsockopt', 'net/ipv4/tcp.c', '§4.7', 'setsockopt on a port without a listener: ignored'],
  'event.accept': ['inet_csk_accept', 'net/ipv4/inet_connection_sock.c', '§4.1', 'accept() pops one child from the accept queue'],
  'event.accept-empty': ['inet_csk_accept', 'net/ipv4/inet_connection_sock.c', '§4.1', 'accept() with an empty accept queue: EAGAIN'],
  'event.close-listener': [
    'inet_csk_listen_stop',
    'net/ipv4/inet_connection_sock.c',
    '§6',
    'close() of a listener: reqs dropped silently, unaccepted children reset [inferred]',
  ],
  'event.close-nothing': ['tcp_close', 'net/ipv4/tcp.c', '§7', 'close() on a port with no socket: nothing'],
  'event.flush-metrics': [
    'tcp_metrics_flush_all',
    'net/ipv4/tcp_metrics.c',
    '§8.7',
    "ip tcp_metrics flush: every destination's metrics go, and with them the Fast Open cookie cache (tcp_fastopen_cache_get finds nothing)",
  ],
  'event.recv': ['tcp_recvmsg', 'net/ipv4/tcp.c', '§7', 'the application read the data queued on a connection'],
  'event.tick': ['(timers)', '', '§4.11', 'timers due at this time fired'],
  'event.bad': ['(model)', '', '§3.1', 'event the model cannot interpret: ignored'],
  // --- ingress pre-checks (v4-rcv.ts) -----------------------------------------------------
  'demux.no-ip': ['ip_rcv', 'net/ipv4/ip_input.c', '§3.1', 'no parsable IP header: dropped by IP'],
  'demux.ip-csum': ['ip_rcv_core', 'net/ipv4/ip_input.c', '§3.1', 'IPv4 header checksum bad: dropped by IP [inferred]'],
  'demux.ip-truncated': [
    'ip_rcv_core',
    'net/ipv4/ip_input.c',
    '§3.1',
    'IPv4 total length (IPv6: payload length + 40) beyond the bytes received, or below the header length: dropped by IP, no SYN-ACK, no RST [correction C21]',
  ],
  'demux.not-tcp': ['ip_local_deliver_finish', 'net/ipv4/ip_input.c', '§3.1', 'not a TCP packet: not handled by TCP'],
  'demux.fragment': ['ip_defrag', 'net/ipv4/ip_fragment.c', '§3.1', 'IP fragment: held for reassembly, never completes [inferred]'],
  'demux.not-local': ['ip_rcv_finish', 'net/ipv4/ip_input.c', '§3.1', 'destination is not this host (pkt_type != HOST): dropped'],
  'demux.broadcast': ['tcp_v4_rcv', 'net/ipv4/tcp_ipv4.c', '§3.1', 'broadcast/multicast destination: no SYN-ACK and no RST'],
  'demux.no-tcp': ['tcp_v4_rcv', 'net/ipv4/tcp_ipv4.c', '§3.1', 'TCP header does not fit: dropped'],
  'demux.bad-doff': ['tcp_v4_rcv', 'net/ipv4/tcp_ipv4.c', '§3.1', 'doff < 5 or doff runs past the packet: dropped, no RST'],
  'demux.bad-csum': ['tcp_v4_rcv', 'net/ipv4/tcp_ipv4.c', '§3.1', 'TCP checksum bad: dropped (TcpInCsumErrors), no RST'],
  'demux.lookup': ['__inet_lookup_skb', 'include/net/inet_hashtables.h', '§3.1', 'socket lookup: established/TIME_WAIT/req first, then the listener'],
  'auth.malformed': [
    'tcp_do_parse_auth_options',
    'net/ipv4/tcp_input.c',
    '§3.2',
    'auth-option pre-parse (6.7+) met, while ≥ 18 option bytes remained (5 with CONFIG_TCP_AO), an option with length < 2 or past the end, an MD5 length ≠ 18, an AO length ≤ 4, or a second auth option: segment dropped silently (listener, req, full socket) [correction C1]',
  ],
  'auth.legacy-no-md5': [
    'tcp_parse_md5sig_option',
    'net/ipv4/tcp_input.c',
    '§3.2',
    '6.1: the MD5 search ended at a malformed option: no MD5 option located, no error, processing goes on [correction C1]',
  ],
  'auth.no-rst': ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', '§3.4', 'malformed or duplicate auth option (the 6.7+ pre-parse fails): no RST [correction C1]'],
  'auth.ao-no-rst': [
    'tcp_v4_send_reset',
    'net/ipv4/tcp_ipv4.c',
    '§3.4',
    'IPv4 segment carrying a TCP-AO option (length > 4, met while ≥ 18 bytes remained) on a build without CONFIG_TCP_AO: no RST; IPv6 sends it [correction C2]',
  ],
  'md5.unexpected': ['tcp_inbound_hash', 'include/net/tcp.h', '§3.2', 'MD5 option without a key for the peer: dropped (TCPMD5Unexpected)'],
  'md5.required': [
    'tcp_inbound_hash',
    'include/net/tcp.h',
    '§3.2',
    'socket holds a key for the peer, segment has no MD5 (and no AO) option: dropped (TCPMD5NotFound)',
  ],
  'md5.assumed-good': ['tcp_inbound_hash', 'include/net/tcp.h', '§3.2', 'MD5 option with a key: digest assumed correct (the model cannot verify) [inferred]'],
  'ao.ignored': ['tcp_inbound_hash', 'include/net/tcp.h', '§3.2', 'TCP-AO option on a build without CONFIG_TCP_AO: accepted unchecked'],
  'ao.req-drop': [
    'tcp_inbound_hash',
    'include/net/tcp.h',
    '§3.2',
    'request socket: a segment with a located TCP-AO option is dropped (TCPAOBad), the req stays [correction C17]',
  ],
  'ao.md5-key-bypass': [
    'tcp_inbound_hash',
    'include/net/tcp.h',
    '§3.2',
    'no CONFIG_TCP_AO: a segment with a TCP-AO option and no MD5 option passes an MD5-keyed socket (the AO check is a stub) [correction C2]',
  ],
  'ao.unexpected': ['tcp_inbound_ao_hash', 'net/ipv4/tcp_ao.c', '§3.2', 'CONFIG_TCP_AO build: TCP-AO option on a socket without AO keys: dropped [inferred]'],
  // --- LISTEN flag table (listen.ts) -------------------------------------------------------
  'listen.ack-rst': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'ACK to a listener (no req): RST seq=SEG.ACK'],
  'listen.ack-with-rst': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'ACK+RST to a listener: never answer a RST'],
  'listen.rst-drop': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'RST without ACK to a listener: dropped'],
  'listen.syn-fin-drop': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'SYN+FIN without ACK to a listener: dropped'],
  'listen.syn-rst-drop': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'SYN+RST without ACK: dropped (RST test precedes SYN test)'],
  'listen.syn': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'SYN (no ACK/RST/FIN) to a listener: tcp_conn_request'],
  'listen.no-syn-no-ack': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§3.3', 'no SYN, no ACK, no RST to a listener: dropped'],
  // --- closed port, RST and stateless ACK formats (send-reset.ts) -------------------------------
  'closed.rst': ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', '§3.4', 'no socket: reply RST per the §3.4 table'],
  'closed.rst-input': ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', '§3.4', 'no socket, incoming segment has RST: no reply'],
  'closed.md5-no-rst': ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', '§3.4', 'no socket, segment carries a (located) MD5 option with no matching key: no RST'],
  'reset.ack-set': ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', '§3.4', 'RST for an ACK: flags R, seq=SEG.ACK, ack 0'],
  'reset.ack-clear': ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', '§3.4', 'RST for a non-ACK: flags RA, seq 0, ack=SEG.SEQ+SYN+FIN+LEN'],
  // --- tcp_conn_request (conn-request.ts) -------------------------------------------------------
  'conn_request.tw-bypass': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.1', 'SYN accepted from TIME_WAIT: queue limits and cookies bypassed'],
  'conn_request.synq-full-drop': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.1', 'SYN queue full (qlen > backlog) and syncookies=0: dropped'],
  'conn_request.cookie-always': ['tcp_syn_flood_action', 'net/ipv4/tcp_input.c', '§4.1', 'tcp_syncookies=2: answer with a syncookie'],
  'conn_request.cookie-full': [
    'tcp_syn_flood_action',
    'net/ipv4/tcp_input.c',
    '§4.1',
    'SYN queue full (qlen > backlog), syncookies on: answer with a syncookie',
  ],
  'conn_request.acceptq-full': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.1', 'accept queue full (acceptq > backlog): dropped'],
  'conn_request.max-syn-backlog': [
    'tcp_conn_request',
    'net/ipv4/tcp_input.c',
    '§4.1',
    'syncookies=0 and the last quarter of tcp_max_syn_backlog reached: dropped',
  ],
  'conn_request.admitted': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.1', 'SYN admitted'],
  'conn_request.payload-dropped': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.3', 'payload of the SYN discarded (not accepted by TFO)'],
  'conn_request.req-created': [
    'inet_csk_reqsk_queue_hash_add',
    'net/ipv4/inet_connection_sock.c',
    '§4.1',
    'request socket queued, SYN-ACK timer armed at +1 s',
  ],
  // --- option parsing (parse-options.ts) -------------------------------------------------------
  'parse_options.summary': ['tcp_parse_options', 'net/ipv4/tcp_input.c', '§4.2', 'options as the kernel reads them'],
  'parse_options.stop': ['tcp_parse_options', 'net/ipv4/tcp_input.c', '§4.2', 'option walk stopped (EOL, lone kind, silly length, truncated)'],
  'parse_options.skipped': ['tcp_parse_options', 'net/ipv4/tcp_input.c', '§4.2', 'known kind with a wrong length, or unknown kind: skipped by its length'],
  'parse_options.disabled': ['tcp_parse_options', 'net/ipv4/tcp_input.c', '§4.2', 'option ignored: its sysctl is off or the segment is not a SYN'],
  'parse_options.mss-zero': ['tcp_parse_options', 'net/ipv4/tcp_input.c', '§4.2', 'MSS 0 ignored (mss_clamp keeps its default)'],
  'parse_options.wscale-clamped': ['tcp_parse_options', 'net/ipv4/tcp_input.c', '§4.2', 'window scale > 14 clamped to 14'],
  'parse_options.tfo-invalid': ['tcp_parse_fastopen_option', 'net/ipv4/tcp_input.c', '§4.2', 'TFO option with an odd or out-of-range length: no cookie'],
  // --- request init, ISN, ECN (openreq-init.ts, ecn.ts) -----------------------------------------
  'openreq.init': ['tcp_openreq_init', 'net/ipv4/tcp_input.c', '§4.3', 'request initialised from the SYN'],
  'openreq.cookie-clear': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.3', 'cookie mode without TS: all options forgotten (no SACK/WS/ECN)'],
  'isn.normal': ['secure_tcp_seq', 'net/core/secure_seq.c', '§4.4', 'ISN = keyed hash of the 4-tuple + clock: opaque symbol'],
  'isn.tw': ['tcp_timewait_state_process', 'net/ipv4/tcp_minisocks.c', '§4.4', 'ISN from TIME_WAIT = tw_snd_nxt + 65537'],
  'tsoff.value': [
    'secure_tcp_ts_off',
    'net/core/secure_seq.c',
    '§4.4',
    'timestamp offset: 0 when tcp_timestamps != 1, else per 4-tuple (6.18) / per address pair (6.1)',
  ],
  'ecn.not-requested': ['tcp_ecn_create_request', 'net/ipv4/tcp_input.c', '§4.5', 'SYN lacks ECE or CWR: no ECN'],
  'ecn.sysctl-off': ['tcp_ecn_create_request', 'net/ipv4/tcp_input.c', '§4.5', 'tcp_ecn=0 and no route ECN feature: no ECN'],
  'ecn.ok': ['tcp_ecn_create_request', 'net/ipv4/tcp_input.c', '§4.5', 'ECE+CWR accepted: SYN-ACK carries ECE'],
  'ecn.ect-rfc3168': ['tcp_ecn_create_request', 'net/ipv4/tcp_input.c', '§4.5', 'ECE+CWR on an ECT SYN without AE/reserved bits: no ECN (RFC 3168 6.1.1)'],
  'ecn.ca-needs': ['tcp_ecn_create_request', 'net/ipv4/tcp_input.c', '§4.5', 'congestion control or route requires ECN: ecn_ok'],
  'ecn.cookie-no-ts': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.5', 'cookie mode without TS: ecn_ok forced to 0'],
  // --- SYN-ACK construction (select-window.ts, make-synack.ts) ---------------------------------
  'window.initial': ['tcp_select_initial_window', 'net/ipv4/tcp_output.c', '§4.7', 'initial receive window and window scale'],
  'synack.mss': ['tcp_make_synack', 'net/ipv4/tcp_output.c', '§4.8', 'MSS option = min(route advmss, TCP_MAXSEG), never the peer MSS'],
  'synack.options': ['tcp_synack_options', 'net/ipv4/tcp_output.c', '§5.2', 'SYN-ACK options chosen and laid out (§5.3)'],
  'synack.md5-drops-ts': ['tcp_synack_options', 'net/ipv4/tcp_output.c', '§5.2', 'MD5 key with SACK: TS dropped from the SYN-ACK'],
  'synack.tfo-no-room': ['tcp_synack_options', 'net/ipv4/tcp_output.c', '§5.2', 'TFO cookie does not fit in the option space: left out'],
  'synack.ip': ['tcp_v4_send_synack', 'net/ipv4/tcp_ipv4.c', '§4.6', 'SYN-ACK IP fields: TTL, TOS (reflect_tos), DF, ID 0'],
  'synack.sent': ['tcp_make_synack', 'net/ipv4/tcp_output.c', '§5.1', 'SYN-ACK sent'],
  // --- syncookies (syncookies.ts) -------------------------------------------------------------
  'cookies.send': ['cookie_init_sequence', 'include/net/tcp.h', '§4.9', 'syncookie SYN-ACK: no req kept, never retransmitted'],
  'cookies.ts-encode': ['cookie_init_timestamp', 'net/ipv4/syncookies.c', '§4.9', 'options encoded in the low 6 bits of TSval'],
  'cookies.tfo-ignored': ['tcp_conn_request', 'net/ipv4/tcp_input.c', '§4.9', 'cookie mode: TFO option ignored'],
  'cookies.no-recent-overflow': ['tcp_v4_cookie_check', 'net/ipv4/tcp_ipv4.c', '§4.9', 'no cookie sent in the last 2 min (or syncookies=0): no cookie check'],
  'cookies.valid': ['cookie_v4_check', 'net/ipv4/syncookies.c', '§4.9', 'ACK carries a valid syncookie: child created'],
  'cookies.accecn': [
    'cookie_v4_check',
    'net/ipv4/syncookies.c',
    '§4.9',
    '6.18: a cookie carrying ECN and an ACK whose ACE field is 2..7 (cookie_accecn_ok): AccECN child — its segments carry ACE 0b101, ECT(0) [correction C34]',
  ],
  'cookies.invalid': ['cookie_v4_check', 'net/ipv4/syncookies.c', '§4.9', 'ACK does not carry a valid syncookie (SyncookiesFailed): falls through to RST'],
  'cookies.unbound': ['cookie_v4_check', 'net/ipv4/syncookies.c', '§4.9', 'cookie ISN symbol unbound: assumed to match (value unknown)'],
  'cookies.age-uncertain': [
    'cookie_v4_check',
    'net/ipv4/syncookies.c',
    '§4.9',
    'cookie 60..120 s old: validity depends on the minute counter phase, assumed valid [inferred]',
  ],
  'cookies.decode-failed': [
    'cookie_timestamp_decode',
    'net/ipv4/syncookies.c',
    '§4.9',
    'TSecr option bits no longer allowed by the sysctls: cookie rejected → RST',
  ],
  'cookies.acceptq-full': ['tcp_get_cookie_sock', 'net/ipv4/syncookies.c', '§4.9', 'valid cookie but the accept queue is full: dropped'],
  // --- TCP Fast Open (fastopen.ts) -----------------------------------------------------------
  'fastopen.off': [
    'tcp_try_fastopen',
    'net/ipv4/tcp_fastopen.c',
    '§4.10',
    'TFO not usable (server bit off, no TFO queue, nothing requested, queue full): cookie ignored',
  ],
  'fastopen.cookie-request': ['tcp_fastopen_cookie_gen', 'net/ipv4/tcp_fastopen.c', '§4.10', 'cookie request: SYN-ACK carries the 8-byte cookie'],
  'fastopen.cookie-valid': [
    'tcp_fastopen_cookie_gen_check',
    'net/ipv4/tcp_fastopen.c',
    '§4.10',
    'valid cookie: child created at once, data accepted, no cookie echoed',
  ],
  'fastopen.cookie-valid-backup': [
    'tcp_fastopen_cookie_gen_check',
    'net/ipv4/tcp_fastopen.c',
    '§4.10',
    "cookie valid under the backup key: child created at once, data accepted, the primary key's cookie echoed",
  ],
  'fastopen.cookie-invalid': [
    'tcp_fastopen_cookie_gen_check',
    'net/ipv4/tcp_fastopen.c',
    '§4.10',
    'invalid cookie: data not acked, SYN-ACK carries the correct cookie',
  ],
  'fastopen.cookie-unknown': [
    'tcp_fastopen_cookie_gen_check',
    'net/ipv4/tcp_fastopen.c',
    '§4.10',
    'cookie validity unknown (key not fixed, cookie symbol unbound): assumed invalid',
  ],
  'fastopen.no-cookie-required': ['tcp_fastopen_no_cookie', 'net/ipv4/tcp_fastopen.c', '§4.10', 'tcp_fastopen 0x200: child created without a cookie'],
  'fastopen.data-no-option': ['tcp_try_fastopen', 'net/ipv4/tcp_fastopen.c', '§4.10', 'data without a TFO option: normal SYN-ACK, data dropped'],
  'fastopen.child-timer': ['tcp_fastopen_synack_timer', 'net/ipv4/tcp_timer.c', '§4.10', 'TFO child retransmits its SYN-ACK (synack_retries+1 tries)'],
  // --- SYN-ACK timer (reqsk-timer.ts) ---------------------------------------------------------
  'reqsk_timer.resend': [
    'reqsk_timer_handler',
    'net/ipv4/inet_connection_sock.c',
    '§4.11',
    'SYN-ACK retransmitted (same ISN, new TSval), next at min(1 s << n, 120 s)',
  ],
  'reqsk_timer.expire': ['reqsk_timer_handler', 'net/ipv4/inet_connection_sock.c', '§4.11', 'retries exhausted: req dropped silently'],
  'reqsk_timer.defer-skip': ['syn_ack_recalc', 'net/ipv4/inet_connection_sock.c', '§4.11', 'TCP_DEFER_ACCEPT, req acked: no re-send this time'],
  'reqsk_timer.prune': ['reqsk_timer_handler', 'net/ipv4/inet_connection_sock.c', '§4.11', 'SYN queue half full: retries reduced for old reqs'],
  'reqsk_timer.child-gone': ['tcp_fastopen_synack_timer', 'net/ipv4/tcp_timer.c', '§4.10', 'TFO child out of SYN-ACK retries: connection dropped [inferred]'],
  // --- tcp_check_req (check-req.ts) -----------------------------------------------------------
  'check_req.tsecr-reject': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'TSecr outside the SYN-ACK TSvals sent (6.18): tsecr_reject'],
  'check_req.tsecr-exact': [
    'tcp_check_req',
    'net/ipv4/tcp_minisocks.c',
    '§6',
    'TSecr outside [snt_tsval_first, snt_tsval_last], the observed SYN-ACK TSvals, exactly: tsecr_reject [correction C10]',
  ],
  'check_req.tsecr-unknown': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'TSecr check needs the ts offset, which is unbound: assumed in range'],
  'check_req.paws-reject': ['tcp_paws_reject', 'include/net/tcp.h', '§6', 'PAWS: TSval older than ts_recent: paws_reject'],
  'check_req.dup-syn': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'retransmitted SYN: SYN-ACK re-sent, req timer restarted, segment dropped'],
  'check_req.dup-syn-limited': ['tcp_oow_rate_limited', 'net/ipv4/tcp_input.c', '§6', 'retransmitted SYN within 500 ms of the last answer: nothing sent'],
  'check_req.bad-ack': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'SEG.ACK != ISN+1: segment handed to the listener (RST), req kept'],
  'check_req.isn-unbound': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'ISN symbol unbound: SEG.ACK assumed = ISN+1 (value unknown)'],
  'check_req.rst-challenge': [
    'tcp_check_req',
    'net/ipv4/tcp_minisocks.c',
    '§6',
    "in-window RST with seq ≠ rcv_nxt: challenge ACK (the request's ACK), req kept [correction C15]",
  ],
  'check_req.rst-challenge-limited': [
    'tcp_oow_rate_limited',
    'net/ipv4/tcp_input.c',
    '§6',
    'in-window RST ≠ rcv_nxt within 500 ms of the last answer: nothing [correction C15]',
  ],
  'stateless-ack.no-ts': ['tcp_v4_send_ack', 'net/ipv4/tcp_ipv4.c', '§6', 'ts_recent 0: the stateless ACK carries no timestamp option [correction C10]'],
  'check_req.oow-ack': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'out of window / PAWS / TSecr reject: stateless ACK, segment dropped'],
  'check_req.oow-limited': ['tcp_oow_rate_limited', 'net/ipv4/tcp_input.c', '§6', 'stateless ACK rate-limited (one per 500 ms per req): nothing sent'],
  'check_req.oow-rst': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'out-of-window RST: dropped silently, req kept'],
  'check_req.ts-recent': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'in-sequence segment with TS: ts_recent updated'],
  'check_req.embryonic-reset': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'in-window SYN (other seq): RST, req removed'],
  'check_req.embryonic-rst': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'in-window RST: req removed silently (no challenge ACK in SYN_RECV)'],
  'check_req.no-ack': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'ACK not set: dropped'],
  'check_req.defer-accept': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'TCP_DEFER_ACCEPT: bare ACK marks the req acked, no child'],
  'check_req.overflow-drop': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'accept queue full, abort_on_overflow=0: req marked acked, ACK dropped'],
  'check_req.overflow-abort': ['tcp_check_req', 'net/ipv4/tcp_minisocks.c', '§6', 'accept queue full, abort_on_overflow=1: RST, req removed'],
  'check_req.child': ['tcp_v4_syn_recv_sock', 'net/ipv4/tcp_ipv4.c', '§6', 'child created and queued for accept()'],
  'child.established': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§6', 'child SYN_RECV → ESTABLISHED on the third ACK'],
  'child.data': ['tcp_data_queue', 'net/ipv4/tcp_input.c', '§6', 'data on the child: queued and ACKed at once (quick-ack)'],
  'child.fin': ['tcp_fin', 'net/ipv4/tcp_input.c', '§6', 'FIN on the child: CLOSE_WAIT, ACK'],
  'child.ack-window': ['tcp_select_window', 'net/ipv4/tcp_output.c', '§6', 'window of a child ACK is a range (free-space rounding) [inferred]'],
  // --- ICMP errors (icmp-err.ts) ------------------------------------------------------------------
  'icmp.bad-csum': ['icmp_rcv', 'net/ipv4/icmp.c', '§3.6', 'ICMP checksum bad: dropped (InCsumErrors)'],
  'icmp.not-tcp': ['icmp_socket_deliver', 'net/ipv4/icmp.c', '§3.6', 'not an error message, or it quotes no TCP header: not for TCP'],
  'icmp.ignored': ['tcp_v4_err', 'net/ipv4/tcp_ipv4.c', '§3.6', 'unreachable code > NR_ICMP_UNREACH, source quench, redirect: nothing for the connection'],
  'icmp.no-socket': [
    'tcp_v4_err',
    'net/ipv4/tcp_ipv4.c',
    '§3.6',
    'no established/request socket for the quoted 4-tuple (listeners are not looked up): InErrors',
  ],
  'icmp.req-seq': ['tcp_req_err', 'net/ipv4/tcp_ipv4.c', '§3.6', 'request socket: quoted seq is not the SYN-ACK ISN: OutOfWindowIcmps'],
  'icmp.req-keep': ['tcp_req_err', 'net/ipv4/tcp_ipv4.c', '§3.6', 'request socket: not net/host unreachable, time exceeded or parameter problem: kept'],
  'icmp.req-drop': [
    'tcp_req_err',
    'net/ipv4/tcp_ipv4.c',
    '§3.6',
    'request socket: net/host unreachable, time exceeded, parameter problem: dropped silently (ListenDrops)',
  ],
  'icmp.timewait': ['tcp_v4_err', 'net/ipv4/tcp_ipv4.c', '§3.6', 'TIME_WAIT socket: ICMP ignored'],
  'icmp.seq-window': ['tcp_v4_err', 'net/ipv4/tcp_ipv4.c', '§3.6', 'quoted seq outside [snd_una, snd_nxt] (a Fast Open child: from its ISN): OutOfWindowIcmps'],
  'icmp.pmtu': [
    'tcp_v4_mtu_reduced',
    'net/ipv4/tcp_ipv4.c',
    '§3.6',
    'frag_needed / packet_too_big: the path MTU falls (v4 at least min_pmtu 552), the MSS with it',
  ],
  'icmp.pmtu-ignored': ['tcp_v4_mtu_reduced', 'net/ipv4/tcp_ipv4.c', '§3.6', 'MTU not below the path MTU (or v6 below 1280): nothing changes'],
  'icmp.syn-data-retransmit': [
    'tcp_simple_retransmit',
    'net/ipv4/tcp_input.c',
    '§3.6',
    'SYN_SENT with SYN data: everything marked lost, the SYN sent again at once without data or Fast Open option, MSS from the new path MTU',
  ],
  'icmp.abort': [
    'tcp_done_with_error',
    'net/ipv4/tcp.c',
    '§3.6',
    'hard error in SYN_SENT, or on a Fast Open child not yet accepted: the connection ends (AttemptFails)',
  ],
  'icmp.soft': ['tcp_v4_err', 'net/ipv4/tcp_ipv4.c', '§3.6', 'a connected socket: soft error only, nothing sent'],
  // --- active open (connect.ts, syn-timer.ts, synsent.ts, simultaneous-open.ts) -------------------
  'connect.port': ['__inet_hash_connect', 'net/ipv4/inet_hashtables.c', '§8.1', 'connect() without bind: even ephemeral port'],
  'connect.syn': ['tcp_connect', 'net/ipv4/tcp_output.c', '§8.2', 'SYN sent: MSS, SACK_PERM+TS, NOP WS'],
  'connect.ecn': ['tcp_ecn_send_syn', 'include/net/tcp_ecn.h', '§8.2', 'tcp_ecn=1: SYN carries ECE+CWR'],
  // --- TCP Fast Open, client side (fastopen-client.ts) -----------------------------------------
  'fastopen.client-off': [
    'tcp_sendmsg_fastopen',
    'net/ipv4/tcp.c',
    '§8.7',
    'tcp_fastopen lacks the client bit 0x1: MSG_FASTOPEN fails EOPNOTSUPP, TCP_FASTOPEN_CONNECT is refused; plain SYN',
  ],
  'fastopen.client-defer': [
    'tcp_fastopen_defer_connect',
    'net/ipv4/tcp_fastopen.c',
    '§8.7',
    'TCP_FASTOPEN_CONNECT with a cookie cached (or the no-cookie mode): connect() returns 0, the SYN waits for the first write',
  ],
  'fastopen.client-request': [
    'tcp_send_syn_data',
    'net/ipv4/tcp_output.c',
    '§8.7',
    'no cookie cached for the destination: SYN with an empty TFO option (cookie request), no data',
  ],
  'fastopen.client-cookie': [
    'tcp_send_syn_data',
    'net/ipv4/tcp_output.c',
    '§8.7',
    'cookie cached: SYN carries it and up to min(MSS, cached MSS) − 40 bytes of data',
  ],
  'fastopen.client-no-cookie': [
    'tcp_fastopen_cookie_check',
    'net/ipv4/tcp_fastopen.c',
    '§8.7',
    'tcp_fastopen 0x4 or TCP_FASTOPEN_NO_COOKIE: data in the SYN without a TFO option',
  ],
  'fastopen.client-cache': ['tcp_fastopen_cache_set', 'net/ipv4/tcp_metrics.c', '§8.7', 'SYN-ACK cookie and MSS cached for the destination address'],
  'fastopen.client-no-cookie-reply': [
    'tcp_rcv_fastopen_synack',
    'net/ipv4/tcp_input.c',
    '§8.7',
    'cookie request answered without a cookie: MSS cached, the next request in the experimental format (try_exp)',
  ],
  'fastopen.client-synack-data': [
    'tcp_fastopen_add_skb',
    'net/ipv4/tcp_fastopen.c',
    '§8.7',
    'Fast Open socket, SYN data all acknowledged: the SYN-ACK payload and FIN are queued (FIN: CLOSE_WAIT, delayed ACK) [correction C40]',
  ],
  'fastopen.client-unsolicited': ['tcp_rcv_fastopen_synack', 'net/ipv4/tcp_input.c', '§8.7', 'SYN-ACK cookie while our SYN carried no TFO option: ignored'],
  'fastopen.client-data-acked': ['tcp_rcv_fastopen_synack', 'net/ipv4/tcp_input.c', '§8.7', 'the SYN-ACK acknowledges the SYN data (TCPFastOpenActive)'],
  'fastopen.client-data-resend': [
    'tcp_rcv_fastopen_synack',
    'net/ipv4/tcp_input.c',
    '§8.7',
    'SYN data not acknowledged: sent again at once carrying the ACK, no pure ACK (TCPFastOpenActiveFail)',
  ],
  'connect.in-use': ['inet_hash_connect', 'net/ipv4/inet_hashtables.c', '§8.1', 'connect() on a 4-tuple already in use: EADDRNOTAVAIL, nothing sent'],
  'syn_timer.retransmit': ['tcp_retransmit_timer', 'net/ipv4/tcp_timer.c', '§8.3', 'SYN retransmitted (same seq/options, new TSval)'],
  'syn_timer.ecn-fallback': ['tcp_ecn_clear_syn', 'include/net/tcp_ecn.h', '§8.3', 'tcp_ecn_fallback=1: retransmitted SYN without ECE/CWR'],
  'reqsk_timer.tfo-rehash': [
    'tcp_rtx_synack',
    'net/ipv4/tcp_output.c',
    '§4.10',
    "IPv6, net.core.txrehash=1: a TFO child's re-sent SYN-ACK draws a new req txhash → new auto flow label per retransmission [correction C22]",
  ],
  'tw.fin-wait2': [
    'tcp_time_wait',
    'net/ipv4/tcp_minisocks.c',
    '§7',
    'orphaned FIN_WAIT1 socket, FIN acked (no FIN/data in the ACK), tcp_fin_time 60 s: timewait socket in the FIN_WAIT2 substate [correction C23]',
  ],
  'tw.fw2-fin': [
    'tcp_timewait_state_process',
    'net/ipv4/tcp_minisocks.c',
    '§7, §3.5',
    'FIN_WAIT2 timewait socket: FIN at rcv_nxt → TIME_WAIT substate, stateless ACK (IPv4 ID 0) [correction C23]',
  ],
  'tw.fw2-oow': [
    'tcp_timewait_state_process',
    'net/ipv4/tcp_minisocks.c',
    '§7, §3.5',
    'FIN_WAIT2 timewait socket: out-of-window or PAWS-rejected segment → stateless ACK (rate-limited) [correction C23]',
  ],
  'tw.fw2-rst': [
    'tcp_timewait_state_process',
    'net/ipv4/tcp_minisocks.c',
    '§7',
    'FIN_WAIT2 timewait socket: SYN at/after rcv_nxt, or new data → RST [correction C23]',
  ],
  'syn_timer.rehash': [
    'tcp_write_timeout',
    'net/ipv4/tcp_timer.c',
    '§9',
    'IPv6, net.core.txrehash=1: every SYN/SYN-ACK retransmission timeout rethinks the txhash → new auto flow label, kept by later packets [correction C4]',
  ],
  'syn_timer.give-up': ['tcp_write_timeout', 'net/ipv4/tcp_timer.c', '§8.3', 'SYN retries exhausted: ETIMEDOUT, nothing sent'],
  'syn_timer.fast-resend': [
    'tcp_rcv_synsent_state_process',
    'net/ipv4/tcp_input.c',
    '§8.4',
    'unacceptable ACK (with or without RST) before any retransmit: SYN re-sent after 2 jiffies',
  ],
  'synsent.bad-ack': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'SEG.ACK <= ISN or > snd_nxt: RST seq=SEG.ACK, stays SYN_SENT'],
  'synsent.bad-ack-rst': [
    'tcp_rcv_synsent_state_process',
    'net/ipv4/tcp_input.c',
    '§8.4',
    'unacceptable ACK with RST: no RST in reply, but the fast SYN re-send is armed as for any bad ACK [correction C3]',
  ],
  'synsent.isn-unbound': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'ISN symbol unbound: SEG.ACK assumed acceptable (value unknown)'],
  'synsent.tsecr-reject': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'TSecr not within [first SYN, now]: RST seq=SEG.ACK (PAWSActive)'],
  'synsent.tsecr-exact': [
    'tcp_rcv_synsent_state_process',
    'net/ipv4/tcp_input.c',
    '§8.4',
    "TSecr below the first SYN's TSval (exact) or beyond it by more than the time elapsed: PAWSActive reject [correction C11]",
  ],
  'synsent.tsecr-approx': [
    'tcp_rcv_synsent_state_process',
    'net/ipv4/tcp_input.c',
    '§8.4',
    'TSecr − ts_off outside [first SYN, now] ± tolerance (SYN TSval not observed)',
  ],
  'synsent.tsecr-rst': [
    'tcp_v4_send_reset',
    'net/ipv4/tcp_ipv4.c',
    '§8.4',
    'RST|ACK with an acceptable ACK but a rejected TSecr: no RST answers a RST, stays SYN_SENT [correction C11]',
  ],
  'synsent.accecn': [
    'tcp_ecn_rcv_synack',
    'include/net/tcp_ecn.h',
    '§8.4',
    "SYN asked for ECN and the SYN-ACK's ACE is 2, 3, 4 or 6: AccECN mode, the ACK echoes the SYN-ACK's IP ECN in ACE and is ECT(0) [correction C18]",
  ],
  'synsent.accecn-option': [
    'tcp_options_write',
    'net/ipv4/tcp_output.c',
    '§8.4',
    'AccECN mode and the SYN-ACK carried an AccECN option: every segment carries kind 174 (counters 1/0/1) + NOP [correction C18]',
  ],
  'synsent.refused': ['tcp_reset', 'net/ipv4/tcp_input.c', '§8.4', 'acceptable ACK + RST: ECONNREFUSED, no reply'],
  'synsent.ack-no-syn': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'acceptable ACK without SYN: dropped'],
  'synsent.established': [
    'tcp_finish_connect',
    'net/ipv4/tcp_input.c',
    '§8.4',
    'acceptable SYN-ACK: ESTABLISHED, ACK sent at once (unless TCP_DEFER_ACCEPT delays it)',
  ],
  'synsent.defer-delack': [
    'tcp_rcv_synsent_state_process',
    'net/ipv4/tcp_input.c',
    '§8.4',
    'TCP_DEFER_ACCEPT on the connecting socket: the ACK of the SYN-ACK comes from the delayed-ACK timer, TCP_DELACK_MAX (200–204 ms) later [correction C20]',
  ],
  'synsent.write-pending': [
    'tcp_rcv_synsent_state_process',
    'net/ipv4/tcp_input.c',
    '§8.7',
    'a blocking sendto(MSG_FASTOPEN) / first write waits in inet_wait_for_connect with data the SYN did not carry (sk_write_pending): no pure ACK, the data that follows carries it',
  ],
  'synsent.rst-drop': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'RST without ACK in SYN_SENT: dropped'],
  'synsent.paws-drop': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'SYN without ACK failing PAWS: dropped'],
  'synsent.other-drop': ['tcp_rcv_synsent_state_process', 'net/ipv4/tcp_input.c', '§8.4', 'no ACK, no SYN, no RST in SYN_SENT: dropped'],
  'simopen.synack': ['tcp_send_synack', 'net/ipv4/tcp_output.c', '§8.5', 'crossed SYN: SYN_RECV, own SYN re-sent with ACK (same ISN, local options)'],
  'simopen.established': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§8.5', 'ACK of our SYN in simultaneous open: ESTABLISHED'],
  // --- established / closing / TIME_WAIT (established.ts, timewait.ts) -------------------------
  'estab.challenge-syn': ['tcp_validate_incoming', 'net/ipv4/tcp_input.c', '§8.6', 'SYN on an established socket: challenge ACK'],
  'estab.challenge-rst': ['tcp_validate_incoming', 'net/ipv4/tcp_input.c', '§8.6', 'in-window inexact RST: challenge ACK'],
  'estab.rst-reset': ['tcp_reset', 'net/ipv4/tcp_input.c', '§8.6', 'exact RST (seq=rcv_nxt): connection reset silently'],
  'estab.rst-oow': ['tcp_validate_incoming', 'net/ipv4/tcp_input.c', '§8.6', 'out-of-window RST: dropped'],
  'estab.dupack': [
    'tcp_send_dupack',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'out-of-window segment: duplicate ACK (D-SACK of the part below rcv_nxt when SACK is on) [correction C13]',
  ],
  'estab.dsack': [
    'tcp_data_queue',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'data (partly) below rcv_nxt: ACK with a D-SACK block; the new part is queued [correction C13]',
  ],
  'estab.ofo': [
    'tcp_data_queue_ofo',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'in-window data after rcv_nxt: queued out of order, immediate ACK with a SACK block for it [correction C13]',
  ],
  'estab.data-oow': [
    'tcp_data_queue',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'data at or beyond the right edge of the receive window: dropped, immediate ACK [correction C13]',
  ],
  'estab.old-ack': [
    'tcp_ack',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'ESTABLISHED: SEG.ACK below snd_una − min(max_window, bytes_acked): challenge ACK, segment dropped [correction C9]',
  ],
  'estab.old-ack-ok': [
    'tcp_ack',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'SEG.ACK below snd_una within bytes_acked: old ACK ignored, the segment is processed (in every state past SYN_RECV) [corrections C9, C35]',
  ],
  'estab.closing-bad-ack': [
    'tcp_rcv_state_process',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'past ESTABLISHED: SEG.ACK beyond snd_nxt, or below snd_una − min(max_window, bytes_acked): tcp_ack fails, challenge ACK (rate-limited), segment dropped [correction C35]',
  ],
  'estab.unsent-ack': ['tcp_ack', 'net/ipv4/tcp_input.c', '§8.6', 'ESTABLISHED: SEG.ACK beyond snd_nxt: challenge ACK, segment dropped [correction C9]'],
  'estab.unsent-ack-silent': [
    'tcp_ack',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'ESTABLISHED before 6.13: SEG.ACK beyond snd_nxt: dropped silently, no challenge ACK (profile unsentAckChallenge) [version fact, C9]',
  ],
  'estab.paws-old-ack': [
    'tcp_disordered_ack_check',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'PAWS: a pure ACK below rcv_nxt is dropped without a duplicate ACK (PAWSOldAck) [correction C12]',
  ],
  'ecn.ce-echo': [
    'tcp_ecn_check_ce',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'classic ECN: in-window data marked CE → TCP_ECN_DEMAND_CWR, every segment carries ECE until a segment with CWR [correction C36]',
  ],
  'estab.fin-delack': [
    'tcp_fin',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'FIN → CLOSE_WAIT (pingpong): the ACK comes from the delayed-ACK timer, 40 ms after data was received, one tick otherwise [correction C14]',
  ],
  'estab.accecn-change-ack': [
    '__tcp_ack_snd_check',
    'net/ipv4/tcp_input.c',
    '§8.6',
    "AccECN: a segment with data or FIN whose IP-ECN field differs from the last one's (Not-ECT before any) is acknowledged at once, the FIN's too — a change-triggered ACK [inferred mechanism] [correction C46]",
  ],
  'estab.paws-disordered': [
    'tcp_disordered_ack',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'PAWS: a pure duplicate ACK without window update whose TSval is at most rto*1024/HZ old passes [correction C12]',
  ],
  'estab.limited': ['tcp_oow_rate_limited', 'net/ipv4/tcp_input.c', '§8.6', 'challenge/duplicate ACK within 500 ms: rate-limited, nothing sent'],
  'estab.paws-drop': [
    'tcp_validate_incoming',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'PAWS reject (TSval more than TCP_PAWS_WINDOW = 1 below ts_recent, not a disordered ACK): duplicate ACK, rate-limited except data/FIN [correction C12]',
  ],
  'estab.no-ack-drop': [
    'tcp_rcv_state_process',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'segment with none of ACK, RST, SYN: dropped before PAWS and the sequence check [correction C12]',
  ],
  'estab.bad-ack': ['tcp_rcv_state_process', 'net/ipv4/tcp_input.c', '§8.6', 'SYN_RECV (TFO child, simultaneous open): SEG.ACK ≠ snd_nxt: RST [inferred]'],
  'estab.ts-recent': [
    'tcp_replace_ts_recent',
    'net/ipv4/tcp_input.c',
    '§8.6',
    'accepted segment with TS at or before rcv_wup: ts_recent = its TSval (echoed by the next ACK) [correction C6]',
  ],
  'estab.pure-ack': ['tcp_ack', 'net/ipv4/tcp_input.c', '§8.6', 'in-window pure ACK: no reply'],
  'estab.data': ['tcp_data_queue', 'net/ipv4/tcp_input.c', '§8.6', 'in-window data: ACK [inferred: quick-ack]'],
  'estab.fin': ['tcp_fin', 'net/ipv4/tcp_input.c', '§8.6', 'FIN: ACK, state advances'],
  'close.fin': ['tcp_close', 'net/ipv4/tcp.c', '§7', 'close() of a connection with nothing unread: FIN sent'],
  'close.unread-reset': [
    'tcp_close',
    'net/ipv4/tcp.c',
    '§7',
    'close() while received data is unread: RST|ACK seq snd_nxt ack rcv_nxt, connection gone (TCPAbortOnClose) [correction C8]',
  ],
  'close.reset': ['tcp_disconnect', 'net/ipv4/tcp.c', '§6', 'unaccepted child reset at listener close: RST|ACK [inferred]'],
  'close.fin-held': [
    'tcp_send_fin',
    'net/ipv4/tcp_output.c',
    '§7',
    "close() while the peer's window is 0: the FIN is queued but not sent (it needs a sequence number of window) [correction C27]",
  ],
  'close.fin-released': [
    'tcp_data_snd_check',
    'net/ipv4/tcp_input.c',
    '§7',
    'a window update releases the FIN close() held back: FIN|ACK sent, the RTO takes over from the probe timer [correction C39]',
  ],
  'estab.fin-rtx': [
    'tcp_retransmit_timer',
    'net/ipv4/tcp_timer.c',
    '§7',
    'the FIN not acknowledged: sent again after the RTO (the first one a tail loss probe with SACK), the timeout doubling [correction C39]',
  ],
  'estab.rtx-rehash': [
    'tcp_write_timeout',
    'net/ipv4/tcp_timer.c',
    '§7',
    'every RTO rethinks the txhash (net.core.txrehash=1): a new IPv6 flow label from that retransmission on [correction C39]',
  ],
  'estab.probe0': [
    'tcp_probe_timer',
    'net/ipv4/tcp_timer.c',
    '§7',
    'a FIN held by a zero window: a probe (ACK at snd_una − 1) after the RTO, then after doubled timeouts [correction C39]',
  ],
  'close.abort-on-data': [
    'tcp_rcv_state_process',
    'net/ipv4/tcp_input.c',
    '§7',
    'data beyond rcv_nxt after close() (FIN_WAIT1/2; CLOSE_WAIT/CLOSING/LAST_ACK from below rcv_nxt): connection reset (TCPAbortOnData), RST seq=SEG.ACK [correction C28]',
  ],
  'close.done': ['tcp_done', 'net/ipv4/tcp.c', '§7', 'connection closed (LAST_ACK acked / reset)'],
  'tw.enter': ['tcp_time_wait', 'net/ipv4/tcp_minisocks.c', '§7', 'TIME_WAIT entered (60 s)'],
  'tw.syn-accept': [
    'tcp_timewait_state_process',
    'net/ipv4/tcp_minisocks.c',
    '§7',
    'SYN newer than TIME_WAIT state: new incarnation, ISN = tw_snd_nxt + 65537',
  ],
  'tw.isn-lost': ['tcp_v4_rcv', 'net/ipv4/tcp_ipv4.c', '§7', 'before 6.10: the TIME_WAIT ISN does not reach tcp_conn_request (fresh ISN, usual limits)'],
  'tw.ack': ['tcp_v4_timewait_ack', 'net/ipv4/tcp_ipv4.c', '§7', 'segment to TIME_WAIT: ACK'],
  'tw.limited': ['tcp_timewait_check_oow_rate_limit', 'net/ipv4/tcp_minisocks.c', '§7', 'TIME_WAIT ACK rate-limited'],
  'tw.rst-kill': ['tcp_timewait_state_process', 'net/ipv4/tcp_minisocks.c', '§7', 'in-window RST kills the TIME_WAIT socket (tcp_rfc1337=0)'],
  'tw.rst-ignored': ['tcp_timewait_state_process', 'net/ipv4/tcp_minisocks.c', '§7', 'RST in TIME_WAIT ignored (tcp_rfc1337=1 or out of window)'],
  'tw.silent': ['tcp_timewait_state_process', 'net/ipv4/tcp_minisocks.c', '§7', 'in-window bare ACK to TIME_WAIT: no reply'],
  'tw.expire': ['inet_twsk_kill', 'net/ipv4/inet_timewait_sock.c', '§7', 'TIME_WAIT expired'],
} as const satisfies Record<string, Def>;

export type RuleId = keyof typeof DEFS;

/**
 * The IPv6 twin of each IPv4-only function a rule names (net/ipv6/tcp_ipv6.c, syncookies.c,
 * ip6_input.c, reassembly.c); every other function serves both families. The one place a rule's
 * function gets its family's name.
 */
const V6_TWIN: Readonly<Record<string, string>> = {
  tcp_v4_rcv: 'tcp_v6_rcv',
  tcp_v4_do_rcv: 'tcp_v6_do_rcv',
  tcp_v4_send_reset: 'tcp_v6_send_reset',
  tcp_v4_send_ack: 'tcp_v6_send_ack',
  tcp_v4_send_synack: 'tcp_v6_send_synack',
  tcp_v4_syn_recv_sock: 'tcp_v6_syn_recv_sock',
  tcp_v4_timewait_ack: 'tcp_v6_timewait_ack',
  tcp_v4_reqsk_send_ack: 'tcp_v6_reqsk_send_ack',
  tcp_v4_cookie_check: 'tcp_v6_cookie_check',
  tcp_v4_connect: 'tcp_v6_connect',
  cookie_v4_check: 'cookie_v6_check',
  ip_rcv: 'ipv6_rcv',
  ip_rcv_core: 'ip6_rcv_core',
  ip_rcv_finish: 'ip6_rcv_finish',
  ip_local_deliver_finish: 'ip6_input_finish',
  ip_defrag: 'ipv6_frag_rcv',
  tcp_v4_err: 'tcp_v6_err',
  tcp_v4_mtu_reduced: 'tcp_v6_mtu_reduced',
  icmp_rcv: 'icmpv6_rcv',
  icmp_socket_deliver: 'icmpv6_notify',
};

/** A rule's kernel function as the family runs it: tcp_v4_send_synack for IPv4, tcp_v6_send_synack for IPv6. */
export function familyFn(fn: string, ip: 4 | 6): string {
  return ip === 6 ? (V6_TWIN[fn] ?? fn) : fn;
}

export interface RuleInfo {
  rule: RuleId;
  /** Kernel function mirrored, e.g. 'tcp_check_req'. */
  fn: string;
  /** Kernel source file that defines `fn`, e.g. 'net/ipv4/tcp_minisocks.c' ('' for the model's own rules). */
  file: string;
  spec: string;
  summary: string;
}

/** Every rule the model can emit (stable ids, for coverage reports). */
export const RULES: ReadonlyArray<RuleInfo> = Object.keys(DEFS).map((rule) => {
  const d = DEFS[rule as RuleId];
  return { rule: rule as RuleId, fn: d[0], file: d[1], spec: d[2], summary: d[3] };
});

const RULE_SET: ReadonlySet<string> = new Set(Object.keys(DEFS));
export function isRule(id: string): boolean {
  return RULE_SET.has(id);
}

/**
 * One decision. `text` is formatted on first read (a string or a thunk); JSON.stringify gives
 * {rule, fn, spec, text}.
 * The fields are `declare`d: assigned in the constructor only, so no class-field initialiser runs
 * for each of the many Reasons a step builds.
 */
export class Reason {
  declare readonly rule: RuleId;
  declare private t: string | (() => string);
  constructor(rule: RuleId, text: string | (() => string)) {
    this.rule = rule;
    this.t = text;
  }
  /** Kernel function mirrored. */
  get fn(): string {
    return DEFS[this.rule][0];
  }
  /** Kernel source file defining the function ('' for the model's own rules). */
  get file(): string {
    return DEFS[this.rule][1];
  }
  /** Spec section. */
  get spec(): string {
    return DEFS[this.rule][2];
  }
  get text(): string {
    const t = this.t;
    if (typeof t === 'string') return t;
    const s = t();
    this.t = s;
    return s;
  }
  protected setText(s: string): void {
    this.t = s;
  }
  toJSON(): { rule: string; fn: string; spec: string; text: string } {
    return { rule: this.rule, fn: this.fn, spec: this.spec, text: this.text };
  }
  toString(): string {
    return `${this.fn}: ${this.text}`;
  }
  /** "fn: text" with the function named for the family the decision was taken in (familyFn). */
  explain(ip: 4 | 6): string {
    return `${familyFn(this.fn, ip)}: ${this.text}`;
  }
}

export function reason(rule: RuleId, text: string | (() => string)): Reason {
  return new Reason(rule, text);
}

/**
 * A decision whose text a module-level formatter writes from values the step already holds, on first
 * read: on the hot path this replaces a closure (and the context it keeps) per reason.
 */
export class ArgReason<A, B, C, D> extends Reason {
  declare private f: ((a: A, b: B, c: C, d: D) => string) | undefined;
  declare private a: A | undefined;
  declare private b: B | undefined;
  declare private c: C | undefined;
  declare private d: D | undefined;
  constructor(rule: RuleId, f: (a: A, b: B, c: C, d: D) => string, a: A, b: B, c: C, d: D) {
    super(rule, '');
    this.f = f;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
  override get text(): string {
    const f = this.f;
    if (f === undefined) return super.text;
    const s = f(this.a as A, this.b as B, this.c as C, this.d as D);
    this.setText(s);
    this.f = this.a = this.b = this.c = this.d = undefined;
    return s;
  }
}
