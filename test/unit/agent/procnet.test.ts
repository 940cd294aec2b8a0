import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { lookupListenQueue, lookupState, parseProcAddr, parseProcNetTcp, parseSnmp6, parseSnmpPairs, sameAddr } from '../../../harness/sys/procnet';

const fx = (f: string) => fs.readFileSync(path.join(__dirname, 'fixtures', f), 'utf8');

describe('/proc/net/tcp parser', () => {
  const v4 = parseProcNetTcp(fx('proc_net_tcp.txt'));
  const v6 = parseProcNetTcp(fx('proc_net_tcp6.txt'));
  const all = [...v4, ...v6];

  it('decodes host-order hex addresses', () => {
    expect(parseProcAddr('0100007F:1F90')).to.deep.equal({ family: 4, addr: '127.0.0.1', port: 8080 });
    expect(parseProcAddr('00000000000000000000000001000000:1F91')).to.deep.equal({ family: 6, addr: '::1', port: 8081 });
    expect(parseProcAddr('0000000000000000FFFF00000100007F:2382')).to.deep.equal({ family: 6, addr: '::ffff:127.0.0.1', port: 9090 });
    expect(parseProcAddr('B80D0120000000000000000001000000:0050').addr).to.equal('2001:db8::1');
  });

  it('parses every row of the fixtures (header skipped)', () => {
    const lines = (t: string) => t.split('\n').filter((l) => /^\s*\d+:/.test(l)).length;
    expect(v4).to.have.length(lines(fx('proc_net_tcp.txt')));
    expect(v6).to.have.length(lines(fx('proc_net_tcp6.txt')));
    expect(v4.every((r) => r.family === 4)).to.equal(true);
    expect(v6.every((r) => r.family === 6)).to.equal(true);
  });

  it('names states, including request (SYN_RECV) and TIME_WAIT rows', () => {
    const states = new Set(all.map((r) => r.state));
    for (const s of ['LISTEN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'TIME_WAIT', 'FIN_WAIT2', 'CLOSE_WAIT']) expect(states, s).to.include(s);
    const synrecv = v4.find((r) => r.state === 'SYN_RECV')!;
    expect(synrecv.local).to.deep.equal({ addr: '127.0.0.1', port: 8081 });
    expect(synrecv.inode).to.equal(0);
    expect(synrecv.timerActive).to.equal(1);
  });

  it('reads the accept-queue length of a LISTEN row from rx_queue', () => {
    const l = v4.find((r) => r.state === 'LISTEN' && r.local.port === 8080)!;
    expect(l.rxQueue).to.equal(2);
    expect(l.inode).to.be.above(0);
    const q = lookupListenQueue(all, 8080, '127.0.0.1')!;
    expect(q.acceptq).to.equal(2);
    expect(q.max).to.equal(-1); // not in /proc/net/tcp
    expect(lookupListenQueue(all, 8080)!.listeners).to.have.length(2); // v4 + v6
    expect(lookupListenQueue(all, 1)).to.equal(null);
  });

  it('SYN_SENT rows have one byte (the SYN) in tx_queue and a retransmit timer', () => {
    const s = v4.find((r) => r.state === 'SYN_SENT')!;
    expect(s.txQueue).to.equal(1);
    expect(s.timerActive).to.equal(1);
  });

  it('looks up states by endpoints, treating ::ffff:a.b.c.d as a.b.c.d', () => {
    const est = v6.find((r) => r.local.addr === '::ffff:127.0.0.1' && r.state === 'ESTABLISHED')!;
    const r = lookupState(all, { addr: '127.0.0.1', port: 9090 }, { addr: '127.0.0.1', port: est.remote.port });
    expect(r.state).to.equal('ESTABLISHED');
    expect(lookupState(all, { addr: '::1', port: 8080 }).states).to.include('LISTEN');
    expect(lookupState(all, { port: 1 }).state).to.equal('none');
    expect(sameAddr('0:0:0:0:0:0:0:1', '::1')).to.equal(true);
    expect(sameAddr('::ffff:7f00:1', '127.0.0.1')).to.equal(true);
  });

  it('prefers a live row over TIME_WAIT for the same tuple', () => {
    const tw = v4.find((r) => r.state === 'TIME_WAIT')!;
    const fake = { ...tw, state: 'SYN_RECV', stateNum: 3 };
    const r = lookupState([tw, fake], tw.local, tw.remote);
    expect(r.state).to.equal('SYN_RECV');
    expect(r.states).to.deep.equal(['TIME_WAIT', 'SYN_RECV']);
  });
});

describe('counters parser', () => {
  it('joins prefix and field names of /proc/net/snmp and /proc/net/netstat', () => {
    const c: Record<string, number> = {};
    parseSnmpPairs(fx('proc_net_snmp.txt'), c);
    parseSnmpPairs(fx('proc_net_netstat.txt'), c);
    for (const k of [
      'IpForwarding',
      'IpInReceives',
      'TcpActiveOpens',
      'TcpInSegs',
      'TcpMaxConn',
      'TcpExtListenDrops',
      'TcpExtListenOverflows',
      'TcpExtSyncookiesSent',
      'TcpExtTCPReqQFullDrop',
      'IpExtInOctets',
      'UdpInDatagrams',
    ]) {
      expect(c, k).to.have.property(k).that.is.a('number');
    }
    expect(c.TcpMaxConn).to.equal(-1);
    expect(c.IpDefaultTTL).to.equal(64);
    expect(Object.values(c).every((v) => Number.isFinite(v))).to.equal(true);
  });

  it('parses a synthetic snmp text exactly', () => {
    const t = 'Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 42\nTcpExt: ListenDrops ListenOverflows\nTcpExt: 3 4\n';
    expect(parseSnmpPairs(t)).to.deep.equal({ TcpRtoAlgorithm: 1, TcpActiveOpens: 42, TcpExtListenDrops: 3, TcpExtListenOverflows: 4 });
  });

  it('resynchronises on a stray line', () => {
    const t = 'garbage\nTcp: ActiveOpens\nTcp: 5\n';
    expect(parseSnmpPairs(t)).to.deep.equal({ TcpActiveOpens: 5 });
  });

  it('parses /proc/net/snmp6 name/value lines', () => {
    const c = parseSnmp6(fx('proc_net_snmp6.txt'));
    expect(c).to.have.property('Ip6InReceives').that.is.a('number');
    expect(c).to.have.property('Udp6InDatagrams');
  });
});
