// The foundation on the real kernel: topology, injection, capture and the agent, with expectations
// taken from the spec (docs/handshake-spec.md), not from what the kernel happened to send.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { runProbe, ProbeOptions } from '../../harness/probe';
import { parseEthtoolFeatures, OFFLOAD_FEATURES, run } from '../../harness/topology/commands';
import { Lab } from '../../harness/topology/lab';
import { startNetnsPath } from '../../harness/topology/tester-ns';
import { toHex } from '../../lib/wire/bytes';
import { emitOptions } from '../../lib/wire/tcp-options';
import { ACK, RST, SYN } from '../../lib/wire/types';
import { alive, childrenOf, hostSnapshot } from '../support/host-snapshot';

const ROOT = path.join(__dirname, '..', '..');

function probe(p: Partial<ProbeOptions>): ProbeOptions {
  return {
    ip: 4,
    port: 8080,
    listen: true,
    backlog: 128,
    sport: 40000,
    flags: 'S',
    seq: 1000,
    ack: 0,
    window: 64240,
    options: [],
    sysctls: {},
    sockopts: {},
    waitMs: 150,
    ...p,
  };
}

const FULL = [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 100, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }] as const;

describe('foundation on the real kernel', function () {
  this.timeout(60000);
  let hostBefore: ReturnType<typeof hostSnapshot>;
  let lab: Lab;

  before(async () => {
    hostBefore = hostSnapshot();
    lab = await Lab.create();
  });
  after(async () => {
    await lab?.close();
  });

  it('turns offloads off on the bridge and both veth ends (a bad checksum must reach the kernel as bad)', () => {
    for (const text of [run('ethtool', ['-k', lab.addr.testerIf]), run('ethtool', ['-k', lab.portIf]), lab.inDut('ethtool', ['-k', lab.addr.dutIf])]) {
      const f = parseEthtoolFeatures(text);
      for (const name of OFFLOAD_FEATURES) expect(f[name], name).to.equal(false);
    }
  });

  for (const ip of [4, 6] as const) {
    it(`IPv${ip}: SYN with MSS, SACK_PERM, TS, NOP, WS gets a SYN-ACK with the §5.3 option bytes`, async () => {
      const r = await runProbe(probe({ ip, options: [...FULL], sport: 40001 + ip }), lab);
      expect(r.capture.drops).to.equal(0);
      expect(r.replies).to.have.length(1);
      const sa = r.replies[0].tcp!;
      expect(sa.flags).to.equal(SYN | ACK);
      expect(sa.ack).to.equal(1001);
      // §5.3: 02 04 hh ll | 04 02 08 0a TSval TSecr | 01 03 03 ss ; MSS = MTU-40 (v4) / MTU-60 (v6) (§4.8, §9);
      // TSecr = the SYN's TSval (100); WS 10 with 6.18 defaults (§4.7).
      const mss = ip === 4 ? 1460 : 1440;
      const bytes = toHex(emitOptions(sa.options));
      const tsval = bytes.slice(16, 24);
      expect(bytes).to.equal(`0204${mss.toString(16).padStart(4, '0')}0402080a${tsval}000000640103030a`);
      expect(sa.dataOffset).to.equal(10);
      // §4.7: window = 45 × (mss − 12) with TS.
      expect(sa.window).to.equal(45 * (mss - 12));
    });

    it(`IPv${ip}: a SYN to a closed port gets RST|ACK with seq 0, ack SEG.SEQ+1 (§3.4, §3.5)`, async () => {
      const r = await runProbe(probe({ ip, listen: false, port: 8081, seq: 100, sport: 40010 + ip, tos: 0x2b }), lab);
      expect(r.replies).to.have.length(1);
      const d = r.replies[0];
      expect(d.tcp!.flags).to.equal(RST | ACK);
      expect(d.tcp!.seq).to.equal(0);
      expect(d.tcp!.ack).to.equal(101);
      expect(d.tcp!.window).to.equal(0);
      expect(d.tcp!.options).to.deep.equal([]);
      if (d.ip!.version === 4) {
        expect(d.ip!.ttl).to.equal(64);
        expect(d.ip!.flags & 0x2, 'DF').to.equal(0x2);
        expect(d.ip!.id).to.equal(0);
        expect(d.ip!.tos, 'incoming TOS with ECN bits cleared').to.equal(0x28);
      } else {
        expect(d.ip!.hlim).to.equal(64);
      }
    });

    it(`IPv${ip}: a SYN with a bad TCP checksum gets silence and counts TcpInCsumErrors (§3.1)`, async () => {
      const c0 = await lab.agent.counters();
      const r = await runProbe(probe({ ip, mistakes: { tcpChecksum: 'bad' }, sport: 40020 + ip }), lab);
      const c1 = await lab.agent.counters();
      expect(r.replies).to.have.length(0);
      expect(r.capture.drops).to.equal(0);
      const key = ip === 4 ? 'TcpInCsumErrors' : 'Tcp6InCsumErrors';
      const k = key in c1 ? key : 'TcpInCsumErrors';
      expect(c1[k] - c0[k], k).to.be.greaterThan(0);
    });
  }

  it('nothing but the harness answers for the peer address: an unanswered SYN-ACK is retransmitted, never RST by a tester kernel', async () => {
    const r = await runProbe(probe({ options: [{ kind: 'mss', value: 1460 }], sport: 40030, waitMs: 1300 }), lab);
    expect(r.foreign, 'packets from the peer address the harness did not send').to.have.length(0);
    // §4.11: the first SYN-ACK, then its retransmission 1 s later.
    expect(r.replies.map((d) => d.tcp!.flags)).to.deep.equal([SYN | ACK, SYN | ACK]);
  });

  it('the agent connects from the DUT to the peer: the SYN appears on the link and a RST from us refuses it', async () => {
    const fd = (await lab.agent.socket(4)).result!.fd;
    lab.capture.take();
    const c = await lab.agent.connect(fd, lab.addr.v4.peer, 9000);
    expect(c.err).to.equal('EINPROGRESS');
    const f = await lab.capture.waitFor((f) => f.bytes[14 + 9] === 6 && (f.bytes[14 + 20 + 13] & 0x3f) === SYN, 2000);
    expect(f, 'SYN from the DUT').to.not.equal(undefined);
    const { decodeEthernet } = await import('../../lib/wire/decode');
    const { buildIp } = await import('../../lib/wire/build');
    const syn = decodeEthernet(f!.bytes).tcp!;
    expect(syn.sport % 2, 'connect() picks even ports (§8.1)').to.equal(0);
    lab.injector.send(
      buildIp({ ip: 4, src: lab.addr.v4.peer, dst: lab.addr.v4.dut, sport: 9000, dport: syn.sport, flags: 'RA', seq: 0, ack: (syn.seq + 1) >>> 0, window: 0 }),
    );
    const w = await lab.agent.connectWait(fd, 2000);
    expect(w.err).to.equal('ECONNREFUSED');
    await lab.agent.close(fd);
  });

  it('leaves the host namespace exactly as it was', () => {
    expect(hostSnapshot()).to.deep.equal(hostBefore);
  });
});

describe('host isolation of a CLI run', function () {
  this.timeout(60000);

  function synh(args: string[]): ReturnType<typeof spawn> {
    // Start the CLI in the namespace this test process started in (the host's), like a user would.
    return spawn('nsenter', [`--net=${startNetnsPath()}`, process.execPath, path.join(ROOT, 'bin', 'synh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  it('a completed probe leaves links, addresses, routes, namespaces and sysctls identical', async () => {
    const before = hostSnapshot();
    const p = synh(['probe', '--flags', 'S', '--options', 'mss=1460', '--sysctl', 'net.ipv4.tcp_syncookies=2', '--json']);
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    const code = await new Promise((r) => p.on('exit', r));
    expect(code).to.equal(0);
    expect(JSON.parse(out).responses[0].tcp.flags).to.equal('SA');
    expect(hostSnapshot()).to.deep.equal(before);
  });

  it('kill -9 mid-run leaves nothing behind: the agent and its namespace die with the harness', async () => {
    const before = hostSnapshot();
    const p = synh(['probe', '--wait', '20000', '--sysctl', 'net.ipv4.tcp_syncookies=0']);
    // nsenter execs node, so p.pid is the harness itself. Wait for its agent (a child) to appear.
    let agents: number[] = [];
    for (let i = 0; i < 100 && agents.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      agents = childrenOf(p.pid!).filter(
        (c) =>
          spawnSync('readlink', [`/proc/${c}/ns/net`], { encoding: 'utf8' }).stdout.trim() !==
          spawnSync('readlink', [`/proc/${p.pid}/ns/net`], { encoding: 'utf8' }).stdout.trim(),
      );
    }
    expect(agents.length, 'the run started its DUT agent').to.be.greaterThan(0);
    await new Promise((r) => setTimeout(r, 500)); // let it build the topology
    process.kill(p.pid!, 'SIGKILL');
    await new Promise((r) => p.on('exit', r));
    for (let i = 0; i < 30 && agents.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(agents.filter(alive), 'agents still alive after kill -9 of the harness').to.deep.equal([]);
    expect(hostSnapshot()).to.deep.equal(before);
  });
});
