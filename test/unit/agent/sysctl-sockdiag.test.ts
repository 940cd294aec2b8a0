import { expect } from 'chai';
import { buildDumpRequest, parseDiagMessages, stateMask } from '../../../harness/sys/sockdiag';
import { sysctlPath } from '../../../harness/sys/sysctl';

describe('sysctl names', () => {
  it('maps net.* names to /proc/sys paths', () => {
    expect(sysctlPath('net.ipv4.tcp_syncookies')).to.equal('/proc/sys/net/ipv4/tcp_syncookies');
    expect(sysctlPath('net/ipv4/conf/eth0.1/rp_filter')).to.equal('/proc/sys/net/ipv4/conf/eth0.1/rp_filter');
    expect(sysctlPath('/proc/sys/net/core/somaxconn')).to.equal('/proc/sys/net/core/somaxconn');
  });

  it('refuses everything else', () => {
    for (const n of ['kernel.hostname', 'net/../kernel/hostname', 'net/./ipv4/x', 'netfoo.x', '', 'vm.swappiness', 'net//ipv4']) {
      expect(() => sysctlPath(n), n).to.throw(TypeError);
    }
  });
});

describe('sock_diag codec', () => {
  it('builds an inet_diag_req_v2 dump request', () => {
    const b = buildDumpRequest(6, stateMask('LISTEN'), 9);
    expect(b.length).to.equal(72);
    expect(b.readUInt32LE(0)).to.equal(72);
    expect(b.readUInt16LE(4)).to.equal(20); // SOCK_DIAG_BY_FAMILY
    expect(b.readUInt16LE(6)).to.equal(0x301); // NLM_F_REQUEST | NLM_F_DUMP
    expect(b.readUInt32LE(8)).to.equal(9);
    expect(b[16]).to.equal(10); // AF_INET6
    expect(b[17]).to.equal(6); // IPPROTO_TCP
    expect(b.readUInt32LE(20)).to.equal(1 << 10);
  });

  it('parses inet_diag_msg replies and NLMSG_DONE', () => {
    const msg = Buffer.alloc(16 + 72);
    msg.writeUInt32LE(msg.length, 0);
    msg.writeUInt16LE(20, 4);
    const p = 16;
    msg[p] = 2;
    msg[p + 1] = 10; // AF_INET, LISTEN
    msg.writeUInt16BE(8080, p + 4);
    msg[p + 8] = 127;
    msg[p + 11] = 1;
    msg.writeUInt32LE(3, p + 56); // rqueue
    msg.writeUInt32LE(128, p + 60); // wqueue = max backlog
    msg.writeUInt32LE(4242, p + 68);
    const done = Buffer.alloc(20);
    done.writeUInt32LE(20, 0);
    done.writeUInt16LE(3, 4);
    const r = parseDiagMessages(Buffer.concat([msg, done]));
    expect(r.done).to.equal(true);
    expect(r.errno).to.equal(0);
    expect(r.socks).to.have.length(1);
    expect(r.socks[0]).to.include({ family: 4, state: 'LISTEN', rqueue: 3, wqueue: 128, inode: 4242 });
    expect(r.socks[0].local).to.deep.equal({ addr: '127.0.0.1', port: 8080 });
  });

  it('reports NLMSG_ERROR', () => {
    const e = Buffer.alloc(36);
    e.writeUInt32LE(36, 0);
    e.writeUInt16LE(2, 4);
    e.writeInt32LE(-2, 16);
    expect(parseDiagMessages(e)).to.include({ done: true, errno: 2 });
  });
});
