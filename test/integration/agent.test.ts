/**
 * DUT agent, end to end: a real agent in its own network namespace. Needs root (CAP_SYS_ADMIN
 * for unshare --net). Nothing here touches the host namespace: the only host-side action is
 * reading /proc/sys/net/ipv4/tcp_syncookies and /proc/self/ns/net.
 */
import { expect } from 'chai';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Agent, AgentDiedError } from '../../harness/agent/client';
import { compiledEntry, launchSpec, REPO_ROOT } from '../../harness/agent/launch';
import { ENV_PARENT_PID } from '../../harness/agent/protocol';
import { AgentPool } from '../../harness/agent/pool';
import { SOCKOPTS } from '../../harness/sys/sockopts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exited = /proc/<pid> gone, or a zombie waiting for its new parent to reap it. */
function exited(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 2000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await fn();
  while (!pred(v)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await sleep(5);
    v = await fn();
  }
  return v;
}

/** What getsockopt must return after setsockopt(set) on a fresh, unconnected socket. */
interface OptCase {
  family?: 4 | 6;
  set?: unknown;
  /** expected setsockopt errno name ('' = success) */
  setErr?: string;
  /** expected getsockopt value, or a predicate */
  get?: unknown | ((v: unknown) => boolean);
  /** expected getsockopt errno name */
  getErr?: string;
  /** write-only options: check through another option */
  via?: { name: string; value: unknown };
}

const OPT_CASES: Record<string, OptCase> = {
  SO_REUSEADDR: { set: 1, get: 1 },
  SO_TYPE: { get: 1 /* SOCK_STREAM */ },
  SO_ERROR: { get: 0 },
  SO_SNDBUF: { set: 8192, get: 16384 },
  SO_RCVBUF: { set: 8192, get: 16384 },
  SO_KEEPALIVE: { set: 1, get: 1 },
  SO_PRIORITY: { set: 3, get: 3 },
  SO_LINGER: { set: { onoff: 1, linger: 5 }, get: { onoff: 1, linger: 5 } },
  SO_REUSEPORT: { set: 1, get: 1 },
  SO_RCVLOWAT: { set: 10, get: 10 },
  SO_BINDTODEVICE: { set: 'lo', get: 'lo' },
  SO_ACCEPTCONN: { get: 0 },
  SO_SNDBUFFORCE: { set: 8192, getErr: 'ENOPROTOOPT', via: { name: 'SO_SNDBUF', value: 16384 } },
  SO_RCVBUFFORCE: { set: 8192, getErr: 'ENOPROTOOPT', via: { name: 'SO_RCVBUF', value: 16384 } },
  SO_MARK: { set: 7, get: 7 },
  SO_PROTOCOL: { get: 6 },
  SO_DOMAIN: { get: 2 },
  SO_INCOMING_CPU: { set: 0, get: 0 },
  TCP_NODELAY: { set: 1, get: 1 },
  TCP_MAXSEG: { set: 1000, get: 1000 },
  TCP_CORK: { set: 1, get: 1 },
  TCP_KEEPIDLE: { set: 30, get: 30 },
  TCP_KEEPINTVL: { set: 5, get: 5 },
  TCP_KEEPCNT: { set: 4, get: 4 },
  TCP_SYNCNT: { set: 3, get: 3 },
  TCP_LINGER2: { set: 10, get: 10 },
  // seconds -> SYN-ACK retransmits -> seconds: 5 reads back as 7 (1+2+4)
  TCP_DEFER_ACCEPT: { set: 5, get: 7 },
  TCP_WINDOW_CLAMP: { set: 20000, get: 20000 },
  TCP_INFO: { get: (v: unknown) => (v as { state: number }).state === 7 /* TCP_CLOSE */ },
  TCP_QUICKACK: { set: 0, get: 0 },
  TCP_CONGESTION: { set: 'reno', get: 'reno' },
  TCP_MD5SIG: { set: { addr: '127.0.0.1', key: 'secret' }, getErr: 'ENOPROTOOPT' },
  TCP_THIN_LINEAR_TIMEOUTS: { set: 1, get: 1 },
  TCP_USER_TIMEOUT: { set: 5000, get: 5000 },
  TCP_FASTOPEN: { set: 5, get: 5 },
  // writable only in TCP_REPAIR mode
  TCP_TIMESTAMP: { set: 1, setErr: 'EPERM', get: (v: unknown) => typeof v === 'number' },
  TCP_NOTSENT_LOWAT: { set: 1000, get: 1000 },
  TCP_SAVE_SYN: { set: 1, get: 1 },
  TCP_SAVED_SYN: { get: '' /* nothing saved on an unconnected socket */ },
  TCP_FASTOPEN_CONNECT: { set: 1, get: 1 },
  TCP_FASTOPEN_KEY: { set: '00112233445566778899aabbccddeeff', get: '00112233445566778899aabbccddeeff' },
  TCP_FASTOPEN_NO_COOKIE: { set: 1, get: 1 },
  TCP_TX_DELAY: { set: 100, get: 100 },
  IP_TOS: { set: 0x28, get: 0x28 },
  IP_TTL: { set: 33, get: 33 },
  IP_MTU_DISCOVER: { set: 2, get: 2 },
  IP_MTU: { getErr: 'ENOTCONN' },
  IP_FREEBIND: { set: 1, get: 1 },
  IP_TRANSPARENT: { set: 1, get: 1 },
  IP_BIND_ADDRESS_NO_PORT: { set: 1, get: 1 },
  IPV6_UNICAST_HOPS: { family: 6, set: 33, get: 33 },
  IPV6_MTU_DISCOVER: { family: 6, set: 2, get: 2 },
  IPV6_MTU: { family: 6, getErr: 'ENOTCONN' },
  IPV6_V6ONLY: { family: 6, set: 1, get: 1 },
  IPV6_TCLASS: { family: 6, set: 0x28, get: 0x28 },
  IPV6_TRANSPARENT: { family: 6, set: 1, get: 1 },
  IPV6_FREEBIND: { family: 6, set: 1, get: 1 },
};

describe('DUT agent (integration, root)', function () {
  this.timeout(60000);
  let agent: Agent;

  before(async function () {
    if (process.getuid && process.getuid() !== 0) this.skip(); // unshare --net needs CAP_SYS_ADMIN
    agent = await Agent.spawn();
  });

  after(async () => {
    await agent?.kill();
  });

  describe('namespace', () => {
    it('lives in its own network namespace, distinct from the test process', () => {
      const mine = fs.readlinkSync('/proc/self/ns/net');
      const its = fs.readlinkSync(`/proc/${agent.pid}/ns/net`);
      expect(its).to.match(/^net:\[\d+\]$/);
      expect(its).to.not.equal(mine);
      expect(its).to.equal(agent.netns);
      expect(agent.netnsPath).to.equal(`/proc/${agent.pid}/ns/net`);
    });

    it('contains only lo, and lo is up', async () => {
      const r = await agent.linkSetup('link show\n');
      expect(r.ok, r.msg).to.equal(true);
      const links = r.result!.stdout.split('\n').filter((l) => /^\d+: /.test(l));
      expect(links).to.have.length(1);
      expect(links[0]).to.match(/^1: lo: <[^>]*\bUP\b/);
    });

    it('reports its kernel release and a monotonic clock', async () => {
      expect(agent.release).to.equal((await agent.uname()).result!.release);
      const a = await agent.nowMs();
      const b = await agent.nowMs();
      expect(b).to.be.at.least(a);
      // CLOCK_MONOTONIC is system-wide: the agent's clock matches ours within a few ms
      const ours = Number(process.hrtime.bigint() / 1000n) / 1000;
      expect(Math.abs(ours - b)).to.be.below(1000);
    });

    it('ethtool runs in the namespace', async () => {
      const r = await agent.ethtool(['-i', 'lo']);
      // lo has no driver info: ethtool fails with a message, but it ran and reported its exit code
      expect(r.result!.code).to.be.a('number');
      const k = await agent.ethtool(['-k', 'lo']);
      expect(k.ok, k.msg).to.equal(true);
      expect(k.result!.stdout).to.contain('Features for lo');
    });
  });

  for (const [family, addr] of [
    [4, '127.0.0.1'],
    [6, '::1'],
  ] as const) {
    describe(`IPv${family} sockets on ${addr}`, () => {
      const port = family === 4 ? 8004 : 8006;
      let lfd: number;

      before(async () => {
        lfd = (await agent.must('socket', { family })).fd;
        const b = await agent.bind(lfd, addr, port);
        expect(b.ok, JSON.stringify(b)).to.equal(true);
        expect(b.ret).to.equal(0);
        expect((await agent.listen(lfd, 8)).ok).to.equal(true);
      });

      after(async () => {
        await agent.close(lfd);
      });

      it('getsockname and sockState see the listener', async () => {
        const n = await agent.getsockname(lfd);
        expect(n.result).to.include({ family, addr, port });
        expect(await agent.sockState({ addr, port })).to.equal('LISTEN');
      });

      it('non-blocking accept on an empty queue: EAGAIN', async () => {
        const r = await agent.accept(lfd, 0);
        expect(r).to.include({ ok: false, ret: -1, errno: 11, err: 'EAGAIN' });
      });

      it('accept with a timeout on an empty queue: ETIMEDOUT after about that long', async () => {
        const t0 = Date.now();
        const r = await agent.accept(lfd, 150);
        expect(r).to.include({ ok: false, err: 'ETIMEDOUT', errno: 110 });
        expect(Date.now() - t0).to.be.at.least(140);
      });

      it('connect (non-blocking) + connectWait + accept; listenQueue 0 -> 1 -> 0', async () => {
        expect((await agent.listenQueue(port, addr)).result).to.include({ acceptq: 0, max: 8 });
        const cfd = (await agent.must('socket', { family })).fd;
        const c = await agent.connect(cfd, addr, port);
        expect(c.ret).to.equal(-1);
        expect(c.err).to.equal('EINPROGRESS');
        expect(c.errno).to.equal(115);
        const w = await agent.connectWait(cfd, 2000);
        expect(w).to.include({ ok: true, err: '', errno: 0 });
        expect(w.result).to.deep.equal({ pending: false, state: 'ESTABLISHED' });
        const local = (await agent.getsockname(cfd)).result!;
        expect(await agent.sockState({ addr, port: local.port }, { addr, port })).to.equal('ESTABLISHED');

        const q1 = await waitFor(
          'accept queue 1',
          () => agent.listenQueue(port, addr),
          (r) => r.result?.acceptq === 1,
        );
        expect(q1.result!.max).to.equal(8);

        const a = await agent.accept(lfd, 1000);
        expect(a.ok, JSON.stringify(a)).to.equal(true);
        expect(a.result).to.include({ family, addr, port: local.port });
        expect((await agent.listenQueue(port, addr)).result!.acceptq).to.equal(0);

        // data both ways
        expect((await agent.send(cfd, Buffer.from('hello'))).result).to.deep.equal({ sent: 5 });
        const got = await agent.recv(a.result!.fd, 100, 1000);
        expect(Buffer.from(got.result!.hex, 'hex').toString()).to.equal('hello');
        expect((await agent.getpeername(a.result!.fd)).result).to.include({ addr, port: local.port });
        // orderly close: EOF on the other side
        expect((await agent.shutdown(cfd, 'wr')).ok).to.equal(true);
        const eof = await agent.recv(a.result!.fd, 100, 1000);
        expect(eof.ret).to.equal(0);
        expect(eof.result!.eof).to.equal(true);
        expect((await agent.close(a.result!.fd)).ok).to.equal(true);
        expect((await agent.close(cfd)).ok).to.equal(true);
      });

      it('acceptAbortAll: every queued connection accepted and reset in one round trip; a non-listener fd fails with its errno', async () => {
        const clients: number[] = [];
        for (let i = 0; i < 3; i++) {
          const cfd = (await agent.must('socket', { family })).fd;
          await agent.connect(cfd, addr, port);
          clients.push(cfd);
        }
        await waitFor(
          'accept queue 3',
          () => agent.listenQueue(port, addr),
          (r) => r.result?.acceptq === 3,
        );
        const r = await agent.call('acceptAbortAll', { fds: [lfd] });
        expect(r.ok, JSON.stringify(r)).to.equal(true);
        expect(r.result).to.deep.equal({ n: 3 });
        expect((await agent.listenQueue(port, addr)).result!.acceptq).to.equal(0);
        // SO_LINGER 0: each client got a RST (ECONNRESET on a read), nothing left in TIME_WAIT
        const rd = await agent.recv(clients[0], 10, 1000);
        expect(rd.err).to.equal('ECONNRESET');
        for (const c of clients) await agent.close(c);
        expect((await agent.call('acceptAbortAll', { fds: [lfd] })).result).to.deep.equal({ n: 0 });
        const bad = await agent.call('acceptAbortAll', { fds: [clients[0]] });
        expect(bad.ok).to.equal(false);
        expect(bad.err).to.equal('EBADF');
      });

      it('accept waiting (blocking with timeout) is completed by a later connect', async () => {
        const pending = agent.accept(lfd, 5000);
        await sleep(50);
        const cfd = (await agent.must('socket', { family })).fd;
        await agent.connect(cfd, addr, port);
        const a = await pending;
        expect(a.ok, JSON.stringify(a)).to.equal(true);
        expect(a.result!.fd).to.be.a('number');
        await agent.close(a.result!.fd);
        await agent.close(cfd);
      });

      it('connectWait: still pending (SYN dropped by a full accept queue) and never connected', async () => {
        const l0 = (await agent.must('socket', { family })).fd;
        await agent.must('bind', { fd: l0, addr, port: port + 10 });
        await agent.must('listen', { fd: l0, backlog: 0 }); // one queued connection, then SYNs are dropped
        const c1 = (await agent.must('socket', { family })).fd;
        await agent.connect(c1, addr, port + 10);
        expect((await agent.connectWait(c1, 2000)).ok).to.equal(true);
        await waitFor(
          'queued',
          () => agent.listenQueue(port + 10),
          (r) => r.result?.acceptq === 1,
        );
        const c2 = (await agent.must('socket', { family })).fd;
        await agent.connect(c2, addr, port + 10);
        const t0 = Date.now();
        const w = await agent.connectWait(c2, 100);
        expect(Date.now() - t0).to.be.at.least(90);
        expect(w).to.include({ ok: false, err: 'EINPROGRESS', errno: 115 });
        expect(w.result).to.deep.equal({ pending: true, state: 'SYN_SENT' });
        expect((await agent.connectWait(c2, 0)).result!.pending).to.equal(true);
        const fresh = (await agent.must('socket', { family })).fd;
        expect(await agent.connectWait(fresh, 100)).to.include({ ok: false, err: 'ENOTCONN' });
        for (const fd of [l0, c1, c2, fresh]) await agent.close(fd);
      });

      it('TCP_FASTOPEN_CONNECT without a cookie: an ordinary non-blocking connect', async () => {
        const cfd = (await agent.must('socket', { family })).fd;
        await agent.must('setsockopt', { fd: cfd, name: 'TCP_FASTOPEN_CONNECT', value: 1 });
        expect(await agent.connect(cfd, addr, port)).to.include({ ok: false, err: 'EINPROGRESS' });
        expect(await agent.connectWait(cfd, 2000)).to.include({ ok: true, err: '' });
        const a = await agent.accept(lfd, 2000);
        await agent.close(a.result!.fd);
        await agent.close(cfd);
      });

      it('TCP_FASTOPEN_CONNECT + TCP_FASTOPEN_NO_COOKIE: connect returns 0, deferred until the first send', async () => {
        const cfd = (await agent.must('socket', { family })).fd;
        await agent.must('setsockopt', { fd: cfd, name: 'TCP_FASTOPEN_CONNECT', value: 1 });
        await agent.must('setsockopt', { fd: cfd, name: 'TCP_FASTOPEN_NO_COOKIE', value: 1 });
        expect(await agent.connect(cfd, addr, port)).to.include({ ok: true, ret: 0, err: '' });
        const w = await agent.connectWait(cfd, 50);
        expect(w).to.include({ ok: false, err: 'EINPROGRESS' });
        expect(w.result).to.deep.equal({ pending: true, state: 'SYN_SENT' });
        expect((await agent.send(cfd, 'abcd')).result).to.deep.equal({ sent: 2 }); // SYN + data
        expect(await agent.connectWait(cfd, 2000)).to.include({ ok: true, err: '' });
        const a = await agent.accept(lfd, 2000);
        expect(a.ok).to.equal(true);
        expect((await agent.recv(a.result!.fd, 10, 2000)).result!.hex).to.equal('abcd');
        await agent.close(a.result!.fd);
        await agent.close(cfd);
      });

      it('a blocking sendto(MSG_FASTOPEN) on a thread: it returns once connected and the data sent; refused: ECONNREFUSED; still blocked: pending until close wakes it', async () => {
        expect((await agent.warmCalls()).ok).to.equal(true);
        const cfd = (await agent.must('socket', { family })).fd;
        const b = await agent.sendBlocking(cfd, '00112233', { flags: ['MSG_FASTOPEN'], addr, port });
        expect(b.ok, JSON.stringify(b)).to.equal(true);
        expect(b.at).to.be.a('number');
        const w = await agent.callWait(b.result!.id, 2000);
        expect(w).to.include({ ok: true, ret: 4, err: '' });
        expect(w.result).to.deep.equal({ pending: false, sent: 4 });
        // the socket is non-blocking again for the agent's own calls
        expect(await agent.recv(cfd, 10, 0)).to.include({ ok: false, err: 'EAGAIN' });
        const a = await agent.accept(lfd, 2000);
        expect((await agent.recv(a.result!.fd, 10, 2000)).result!.hex).to.equal('00112233');
        expect(await agent.callWait(b.result!.id, 0)).to.include({ ok: false, err: 'ENOENT' });
        for (const fd of [a.result!.fd, cfd]) await agent.close(fd);

        const rfd = (await agent.must('socket', { family })).fd;
        const r = await agent.sendBlocking(rfd, '00', { flags: ['MSG_FASTOPEN'], addr, port: port + 1 });
        expect(await agent.callWait(r.result!.id, 2000)).to.include({ ok: false, ret: -1, err: 'ECONNREFUSED', errno: 111 });
        await agent.close(rfd);

        // a listener whose queue is full drops the SYN: the call stays blocked until its socket is closed
        const l0 = (await agent.must('socket', { family })).fd;
        await agent.must('bind', { fd: l0, addr, port: port + 20 });
        await agent.must('listen', { fd: l0, backlog: 0 });
        const c1 = (await agent.must('socket', { family })).fd;
        await agent.connect(c1, addr, port + 20);
        await agent.connectWait(c1, 2000);
        await waitFor(
          'queued',
          () => agent.listenQueue(port + 20),
          (q) => q.result?.acceptq === 1,
        );
        const c2 = (await agent.must('socket', { family })).fd;
        const p = await agent.sendBlocking(c2, '00', { flags: ['MSG_FASTOPEN'], addr, port: port + 20 });
        const still = await agent.callWait(p.result!.id, 100);
        expect(still).to.include({ ok: false, err: 'ETIMEDOUT' });
        expect(still.result).to.deep.equal({ pending: true });
        expect((await agent.close(c2)).ok).to.equal(true);
        // a later blocking call still gets a thread
        const again = (await agent.must('socket', { family })).fd;
        const n = await agent.sendBlocking(again, '00', { flags: ['MSG_FASTOPEN'], addr, port: port + 1 });
        expect(await agent.callWait(n.result!.id, 2000)).to.include({ err: 'ECONNREFUSED' });
        for (const fd of [l0, c1, again]) await agent.close(fd);
      });

      it('connect to a closed port: ECONNREFUSED with errno', async () => {
        const cfd = (await agent.must('socket', { family })).fd;
        const c = await agent.connect(cfd, addr, port + 1);
        expect(c.ok).to.equal(false);
        const w = c.err === 'ECONNREFUSED' ? c : await agent.connectWait(cfd, 2000);
        expect(w).to.include({ ok: false, err: 'ECONNREFUSED', errno: 111 });
        await agent.close(cfd);
      });
    });
  }

  describe('socket options', () => {
    it('the test covers every option in the table', () => {
      expect(Object.keys(OPT_CASES).sort()).to.deep.equal([...SOCKOPTS.keys()].sort());
    });

    for (const [name, c] of Object.entries(OPT_CASES)) {
      it(`${name} round trip`, async () => {
        const fd = (await agent.must('socket', { family: c.family ?? 4 })).fd;
        try {
          if (c.set !== undefined) {
            const s = await agent.setsockopt(fd, name, c.set as never);
            expect(s.err, JSON.stringify(s)).to.equal(c.setErr ?? '');
            expect(s.ok).to.equal(!c.setErr);
          }
          const g = await agent.getsockopt(fd, name);
          if (c.getErr) {
            expect(g).to.include({ ok: false, err: c.getErr });
          } else {
            expect(g.ok, JSON.stringify(g)).to.equal(true);
            const v = g.result!.value;
            if (typeof c.get === 'function') expect((c.get as (v: unknown) => boolean)(v), JSON.stringify(v)).to.equal(true);
            else expect(v).to.deep.equal(c.get);
          }
          if (c.via) {
            expect((await agent.getsockopt(fd, c.via.name)).result!.value).to.deep.equal(c.via.value);
          }
        } finally {
          await agent.close(fd);
        }
      });
    }

    it('TCP_MD5SIG with a v4 address on a v6 socket (v4-mapped) and with a prefix', async () => {
      const fd = (await agent.must('socket', { family: 6 })).fd;
      expect((await agent.setsockopt(fd, 'TCP_MD5SIG', { addr: '127.0.0.1', key: 'k' })).err).to.equal('');
      expect((await agent.setsockopt(fd, 'TCP_MD5SIG', { addr: '::1', keyHex: '0102', prefixlen: 128 })).err).to.equal('');
      await agent.close(fd);
    });

    it('unknown option names fail with a list of the known ones', async () => {
      const fd = (await agent.must('socket', { family: 4 })).fd;
      const r = await agent.getsockopt(fd, 'TCP_NOPE');
      expect(r).to.include({ ok: false, err: 'EINVAL' });
      expect(r.msg).to.contain('TCP_NOPE').and.contain('TCP_MAXSEG').and.contain('SO_LINGER');
      await agent.close(fd);
    });
  });

  describe('views', () => {
    it('counters has the Tcp/TcpExt/Ip/IpExt fields, and they move', async () => {
      const c0 = await agent.counters();
      for (const k of ['TcpExtListenDrops', 'TcpExtListenOverflows', 'TcpExtSyncookiesSent', 'TcpInSegs', 'TcpActiveOpens', 'IpInReceives', 'IpExtInOctets']) {
        expect(c0, k).to.have.property(k).that.is.a('number');
      }
      const lfd = (await agent.must('socket', { family: 4 })).fd;
      await agent.must('bind', { fd: lfd, addr: '127.0.0.1', port: 8100 });
      await agent.must('listen', { fd: lfd, backlog: 4 });
      const cfd = (await agent.must('socket', { family: 4 })).fd;
      await agent.connect(cfd, '127.0.0.1', 8100);
      await agent.connectWait(cfd, 2000);
      const c1 = await agent.counters();
      expect(c1.TcpActiveOpens - c0.TcpActiveOpens).to.equal(1);
      expect(c1.TcpInSegs).to.be.above(c0.TcpInSegs);
      await agent.close(cfd);
      await agent.close(lfd);
    });

    it('sockets lists parsed rows', async () => {
      const lfd = (await agent.must('socket', { family: 6 })).fd;
      await agent.must('bind', { fd: lfd, addr: '::', port: 8200 });
      await agent.must('listen', { fd: lfd, backlog: 4 });
      const rows = await agent.sockets();
      const row = rows.find((r) => r.local.port === 8200);
      expect(row).to.include({ family: 6, state: 'LISTEN' });
      expect(row!.local.addr).to.equal('::');
      expect(await agent.sockState({ port: 8200 })).to.equal('LISTEN');
      expect(await agent.sockState({ port: 8201 })).to.equal('none');
      await agent.close(lfd);
    });
  });

  describe('sysctl', () => {
    const HOST = '/proc/sys/net/ipv4/tcp_syncookies';

    it('sysctlSet changes the agent namespace only', async () => {
      const host = fs.readFileSync(HOST, 'utf8').trim();
      const want = host === '2' ? '0' : '2';
      const r = await agent.sysctlSet('net.ipv4.tcp_syncookies', Number(want));
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      expect(r.result!.value).to.equal(want);
      expect(await agent.sysctlGet('net.ipv4.tcp_syncookies')).to.equal(want);
      expect(fs.readFileSync(HOST, 'utf8').trim()).to.equal(host);
    });

    it('sysctlGetMany reads several in one round trip, as sysctlGet does one by one, and names the ones it cannot read', async () => {
      const names = ['net.ipv4.tcp_syncookies', 'net.ipv4.tcp_rmem', 'net.core.somaxconn', 'net.ipv4.tcp_no_such_sysctl'];
      const r = await agent.call('sysctlGetMany', { names });
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      for (const n of names.slice(0, 3)) expect(r.result!.values[n], n).to.equal(await agent.sysctlGet(n));
      expect(r.result!.values).to.not.have.property('net.ipv4.tcp_no_such_sysctl');
      expect(r.result!.missing).to.deep.equal({ 'net.ipv4.tcp_no_such_sysctl': 'ENOENT' });
    });

    it('multi-value sysctls take arrays', async () => {
      const r = await agent.sysctlSet('net.ipv4.tcp_rmem', [4096, 65536, 1048576]);
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      expect(r.result!.value.split(/\s+/)).to.deep.equal(['4096', '65536', '1048576']);
    });

    it('refuses names outside net.*', async () => {
      for (const name of ['kernel.hostname', 'net/../kernel/hostname', 'vm.swappiness', '/proc/sys/kernel/pid_max']) {
        const r = await agent.sysctlSet(name, 1);
        expect(r, name).to.include({ ok: false, err: 'EINVAL' });
        expect(r.msg).to.contain('net.');
      }
    });

    it('refuses the kernel-wide ones (a write from any namespace would change the host), before writing', async () => {
      for (const name of ['net.core.rmem_max', 'net.core.wmem_default']) {
        const host = fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();
        const r = await agent.sysctlSet(name, Number(host) + 4096);
        expect(r, name).to.include({ ok: false, err: 'EPERM' });
        expect(r.msg).to.match(/kernel-wide.*change the host/);
        expect(fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim()).to.equal(host);
        expect(await agent.sysctlGet(name)).to.equal(host);
      }
    });

    it('reports the errno of a rejected write', async () => {
      const r = await agent.sysctlSet('net.ipv4.tcp_syncookies', 'bogus');
      expect(r).to.include({ ok: false, err: 'EINVAL' });
      const n = await agent.sysctlSet('net.ipv4.no_such_thing', 1);
      expect(n).to.include({ ok: false, err: 'ENOENT' });
    });
  });

  describe('lifetime', () => {
    it("stamps each reply with the time it took the request up, on the harness's clock (CLOCK_MONOTONIC)", async () => {
      for (let i = 0; i < 20; i++) {
        const before = Number(process.hrtime.bigint() / 1000n) / 1000;
        const r = await agent.ping();
        const after = Number(process.hrtime.bigint() / 1000n) / 1000;
        expect(r.at, 'at').to.be.a('number');
        expect(r.at!).to.be.within(before, after);
      }
    });

    it('handles concurrent requests', async () => {
      const rs = await Promise.all(Array.from({ length: 50 }, () => agent.ping()));
      expect(new Set(rs.map((r) => r.id)).size).to.equal(50);
      expect(rs.every((r) => r.ok && r.result!.pid === agent.pid)).to.equal(true);
    });

    it('pending calls reject with AgentDiedError when the agent dies', async () => {
      const a = await Agent.spawn();
      const fd = (await a.must('socket', { family: 4 })).fd;
      await a.must('bind', { fd, addr: '127.0.0.1', port: 9000 });
      await a.must('listen', { fd, backlog: 1 });
      const pending = a.accept(fd, 10000);
      process.kill(a.pid, 'SIGKILL');
      let err: unknown;
      try {
        await pending;
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(AgentDiedError);
      expect((err as Error).message).to.match(/exited.*SIGKILL.*accept/);
      let err2: unknown;
      try {
        await a.ping();
      } catch (e) {
        err2 = e;
      }
      expect(err2).to.be.instanceOf(AgentDiedError);
      await a.kill();
    });

    it('a failed spawn rejects with the agent stderr', async () => {
      let err: unknown;
      try {
        await Agent.spawn({ nodePath: '/nonexistent/node' });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(AgentDiedError);
      expect((err as Error).message)
        .to.contain('exited before ready')
        .and.contain('/nonexistent/node');
    });

    it('exits on stdin EOF', async () => {
      const spec = launchSpec('compiled', process.execPath, { ...process.env, [ENV_PARENT_PID]: String(process.pid) });
      const child = spawn(spec.cmd, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
      const ready = await new Promise<string>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(b.toString())));
      expect(JSON.parse(ready)).to.include({ ready: true, pid: child.pid });
      const t0 = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.stdin!.end();
      });
      expect(code).to.equal(0);
      expect(Date.now() - t0).to.be.below(2000);
    });

    it('refuses to run when its parent is not the spawner it was told about', async () => {
      const spec = launchSpec('compiled', process.execPath, { ...process.env, [ENV_PARENT_PID]: '1' });
      const child = spawn(spec.cmd, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
      expect(code).to.equal(71);
      expect(err).to.contain('spawner 1 is gone');
    });

    it('kill -9 of the process that spawned the agent makes the agent exit within 2 s', async () => {
      const root = path.resolve(__dirname, '..', '..');
      const script = `
        const { Agent } = require(${JSON.stringify(path.join(root, 'harness/agent/client'))});
        Agent.spawn().then((a) => {
          process.stdout.write(JSON.stringify({ agent: a.pid }) + '\\n');
          setInterval(() => {}, 1000);
        }, (e) => { console.error(e); process.exit(1); });
      `;
      const mid = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const agentPid = await new Promise<number>((resolve, reject) => {
        let out = '';
        mid.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /\{"agent":(\d+)\}/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        mid.on('exit', (code) => reject(new Error(`intermediate exited early (${code})`)));
      });
      expect(exited(agentPid)).to.equal(false);
      // the agent's parent is the intermediate (unshare exec'd node)
      const stat = fs.readFileSync(`/proc/${agentPid}/stat`, 'utf8');
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])).to.equal(mid.pid);

      const t0 = Date.now();
      process.kill(mid.pid!, 'SIGKILL');
      while (!exited(agentPid)) {
        if (Date.now() - t0 > 2000) throw new Error(`agent ${agentPid} still alive 2 s after its spawner was killed`);
        await sleep(10);
      }
    });
  });

  describe('libc namespace helpers (in a child process)', () => {
    const run = (code: string) => {
      const libcJs = path.join(path.dirname(path.dirname(compiledEntry())), 'sys', 'libc.js');
      const child = spawn(process.execPath, ['-e', `const libc = require(${JSON.stringify(libcJs)}); const fs = require('fs'); ${code}`], {
        env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
        });
        child.stderr!.on('data', (b: Buffer) => {
          err += b.toString();
        });
        child.on('close', (c) => resolve({ out, err, code: c }));
      });
    };

    it('unshareNet() moves the calling thread into a fresh namespace', async () => {
      const r = await run(`const before = fs.readlinkSync('/proc/thread-self/ns/net'); libc.unshareNet();
        console.log(JSON.stringify({ before, after: fs.readlinkSync('/proc/thread-self/ns/net'), flag: libc.CLONE_NEWNET }));`);
      expect(r.code, r.err).to.equal(0);
      const o = JSON.parse(r.out);
      expect(o.before).to.equal(fs.readlinkSync('/proc/self/ns/net'));
      expect(o.after).to.not.equal(o.before);
      expect(o.flag).to.equal(0x40000000);
    });

    it('enterNetns() joins the agent namespace', async () => {
      const r = await run(`libc.enterNetns(${JSON.stringify(agent.netnsPath)}); console.log(fs.readlinkSync('/proc/thread-self/ns/net'));`);
      expect(r.code, r.err).to.equal(0);
      expect(r.out.trim()).to.equal(agent.netns);
    });
  });

  describe('AgentPool', () => {
    it('take() returns a warm agent at once and refills in the background; close() kills all', async () => {
      const pool = new AgentPool();
      const first = await pool.take(); // may have to wait for the first spawn
      expect(first.alive).to.equal(true);
      await sleep(1500); // let the replacement warm up
      const t0 = performance.now();
      const second = await pool.take();
      const took = performance.now() - t0;
      expect(took).to.be.below(20);
      expect(second.pid).to.not.equal(first.pid);
      expect(second.netns).to.not.equal(first.netns);
      expect((await second.ping()).ok).to.equal(true);
      await pool.close();
      expect(first.alive).to.equal(false);
      expect(second.alive).to.equal(false);
      expect(exited(first.pid) && exited(second.pid)).to.equal(true);
    });
  });
});
