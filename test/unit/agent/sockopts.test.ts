import { expect } from 'chai';
import {
  decodeSockoptValue,
  decodeTcpInfo,
  encodeSockoptValue,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  lookupSockopt,
  SOCKOPTS,
  SOL_SOCKET,
  sockoptNames,
  TCP_MD5SIG_LEN,
  UnknownSockoptError,
} from '../../../harness/sys/sockopts';

describe('sockopt table', () => {
  it('covers the options the harness needs, with the Linux numbers', () => {
    const want: Record<string, [number, number]> = {
      TCP_MAXSEG: [IPPROTO_TCP, 2],
      TCP_FASTOPEN: [IPPROTO_TCP, 23],
      TCP_FASTOPEN_CONNECT: [IPPROTO_TCP, 30],
      TCP_DEFER_ACCEPT: [IPPROTO_TCP, 9],
      TCP_WINDOW_CLAMP: [IPPROTO_TCP, 10],
      TCP_SYNCNT: [IPPROTO_TCP, 7],
      TCP_NODELAY: [IPPROTO_TCP, 1],
      TCP_QUICKACK: [IPPROTO_TCP, 12],
      TCP_USER_TIMEOUT: [IPPROTO_TCP, 18],
      TCP_MD5SIG: [IPPROTO_TCP, 14],
      SO_RCVBUF: [SOL_SOCKET, 8],
      SO_SNDBUF: [SOL_SOCKET, 7],
      SO_REUSEADDR: [SOL_SOCKET, 2],
      SO_REUSEPORT: [SOL_SOCKET, 15],
      SO_LINGER: [SOL_SOCKET, 13],
      IP_TOS: [IPPROTO_IP, 1],
      IP_TTL: [IPPROTO_IP, 2],
      IPV6_TCLASS: [IPPROTO_IPV6, 67],
      IPV6_UNICAST_HOPS: [IPPROTO_IPV6, 16],
      IPV6_V6ONLY: [IPPROTO_IPV6, 26],
    };
    for (const [name, [level, opt]] of Object.entries(want)) {
      const d = lookupSockopt(name);
      expect(d.level, name).to.equal(level);
      expect(d.opt, name).to.equal(opt);
    }
    expect(sockoptNames()).to.have.length(SOCKOPTS.size);
  });

  it('unknown names throw with the list of known ones', () => {
    expect(() => lookupSockopt('TCP_BOGUS')).to.throw(UnknownSockoptError, /TCP_BOGUS.*known:(?=.*TCP_MAXSEG)(?=.*SO_LINGER)/);
  });

  it('ints: numbers and booleans, host order', () => {
    const d = lookupSockopt('TCP_MAXSEG');
    const { buf, opt } = encodeSockoptValue(d, 1000);
    expect(opt).to.equal(2);
    expect(buf.readInt32LE(0)).to.equal(1000);
    expect(encodeSockoptValue(lookupSockopt('TCP_NODELAY'), true).buf.readInt32LE(0)).to.equal(1);
    expect(decodeSockoptValue(d, buf, 4)).to.equal(1000);
    expect(decodeSockoptValue(d, Buffer.from([7]), 1)).to.equal(7);
    expect(() => encodeSockoptValue(d, 1.5)).to.throw(TypeError);
    expect(() => encodeSockoptValue(d, '1')).to.throw(TypeError);
  });

  it('SO_LINGER is {onoff, linger}', () => {
    const d = lookupSockopt('SO_LINGER');
    const { buf } = encodeSockoptValue(d, { onoff: true, linger: 7 });
    expect(buf.length).to.equal(8);
    expect(decodeSockoptValue(d, buf, 8)).to.deep.equal({ onoff: 1, linger: 7 });
  });

  it('TCP_MD5SIG builds struct tcp_md5sig (TCP_MD5SIG_EXT with a prefix)', () => {
    const d = lookupSockopt('TCP_MD5SIG');
    const { buf, opt } = encodeSockoptValue(d, { addr: '10.0.0.1', key: 'secret' }, 4);
    expect(opt).to.equal(14);
    expect(buf.length).to.equal(TCP_MD5SIG_LEN).and.equal(216);
    expect(buf.readUInt16LE(0)).to.equal(2); // AF_INET in the sockaddr_storage
    expect([...buf.subarray(4, 8)]).to.deep.equal([10, 0, 0, 1]);
    expect(buf.readUInt16LE(130)).to.equal(6); // tcpm_keylen
    expect(buf.subarray(136, 142).toString()).to.equal('secret');
    const ext = encodeSockoptValue(d, { addr: '2001:db8::', keyHex: 'aabb', prefixlen: 32 });
    expect(ext.opt).to.equal(32);
    expect(ext.buf[128]).to.equal(1); // TCP_MD5SIG_FLAG_PREFIX
    expect(ext.buf[129]).to.equal(32);
    expect(ext.buf.readUInt16LE(130)).to.equal(2);
    // v4 address for a v6 socket is v4-mapped
    const mapped = encodeSockoptValue(d, { addr: '10.0.0.1', key: 'k' }, 6);
    expect(mapped.buf.readUInt16LE(0)).to.equal(10);
    expect(() => encodeSockoptValue(d, { addr: '10.0.0.1', key: 'x'.repeat(81) })).to.throw(/80/);
  });

  it('read-only options refuse set; strings and bytes', () => {
    expect(() => encodeSockoptValue(lookupSockopt('SO_ERROR'), 1)).to.throw(/read-only/);
    expect(() => encodeSockoptValue(lookupSockopt('TCP_INFO'), 1)).to.throw(/read-only/);
    const cc = lookupSockopt('TCP_CONGESTION');
    expect(encodeSockoptValue(cc, 'reno').buf.toString()).to.equal('reno');
    expect(decodeSockoptValue(cc, Buffer.from('cubic\0\0\0'), 8)).to.equal('cubic');
    const key = lookupSockopt('TCP_FASTOPEN_KEY');
    expect(encodeSockoptValue(key, '00ff').buf).to.deep.equal(Buffer.from([0, 255]));
    expect(() => encodeSockoptValue(key, 'xyz')).to.throw(/hex/);
  });

  it('decodes struct tcp_info', () => {
    const b = Buffer.alloc(104);
    b[0] = 1;
    b[5] = 7;
    b[6] = 0x72; // snd_wscale 2, rcv_wscale 7
    b.writeUInt32LE(1460, 8 + 4 * 2); // snd_mss
    b.writeUInt32LE(10, 8 + 4 * 18); // snd_cwnd
    const i = decodeTcpInfo(b);
    expect(i).to.include({ state: 1, options: 7, sndWscale: 2, rcvWscale: 7, sndMss: 1460, sndCwnd: 10 });
  });
});
