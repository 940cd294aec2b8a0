// Labs on the real kernel: several labs sharing one agent (a namespace slot each), and resets that give
// a brand-new DUT namespace on a new veth pair while the bridge and its capture stay.
import { expect } from 'chai';
import * as fs from 'fs';
import { Agent } from '../../harness/agent/client';
import { parseEthtoolFeatures, OFFLOAD_FEATURES, run } from '../../harness/topology/commands';
import { Lab } from '../../harness/topology/lab';
import { buildIp } from '../../lib/wire/build';
import { decodeEthernet } from '../../lib/wire/decode';
import { hostSnapshot } from '../support/host-snapshot';

/** SYN from the peer to `port` on the lab's DUT; the DUT's answer's flags ('SA', 'RA') or 'none' within 300 ms. */
async function answer(lab: Lab, port: number, sport: number): Promise<string> {
  const a = lab.addr.v4;
  lab.capture.take();
  lab.injector.send(buildIp({ ip: 4, src: a.peer, dst: a.dut, sport, dport: port, flags: 'S', seq: 1000, window: 1000 }), 'link');
  const f = await lab.capture.waitFor((x) => {
    const d = decodeEthernet(x.bytes);
    return d.tcp?.dport === sport;
  }, 300);
  if (!f) return 'none';
  const t = decodeEthernet(f.bytes).tcp!;
  return `${t.flags & 0x02 ? 'S' : ''}${t.flags & 0x04 ? 'R' : ''}${t.flags & 0x10 ? 'A' : ''}`;
}

async function listen(lab: Lab, port: number): Promise<number> {
  const fd = (await lab.agent.must('socket', { family: 4 })).fd;
  await lab.agent.must('bind', { fd, addr: '0.0.0.0', port });
  await lab.agent.must('listen', { fd, backlog: 8 });
  return fd;
}

describe('labs sharing an agent, and resets', function () {
  this.timeout(60000);
  let hostBefore: ReturnType<typeof hostSnapshot>;
  let agent: Agent;
  let a: Lab;
  let b: Lab;

  before(async () => {
    hostBefore = hostSnapshot();
    agent = await Agent.spawn();
    a = await Lab.create({ agent });
    b = await Lab.create({ agent });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await agent?.kill();
  });

  it('each lab is its own namespace: a listener in one is a closed port in the other', async () => {
    expect(fs.readlinkSync(a.agent.netnsPath)).to.not.equal(fs.readlinkSync(b.agent.netnsPath));
    expect(a.agent.pid).to.equal(b.agent.pid);
    await listen(a, 8080);
    expect(await answer(a, 8080, 40001)).to.equal('SA');
    // (b's listener on 8082 comes later; 8080 is a closed port there)
    expect(await answer(b, 8080, 40002)).to.equal('RA');
    const sa = (await a.agent.must('sockets', {})).rows.map((r) => r.state);
    const sb = (await b.agent.must('sockets', {})).rows.map((r) => r.state);
    expect(sa).to.include('LISTEN');
    expect(sb).to.not.include('LISTEN');
  });

  it('a reset gives a new namespace: no sockets, default sysctls, offloads off on every link, counters from zero', async () => {
    await listen(a, 8081);
    await a.agent.must('sysctlSet', { name: 'net.ipv4.tcp_syncookies', value: 2 });
    const before = fs.readlinkSync(a.agent.netnsPath);
    const oldPort = a.portIf;
    await a.reset({ sysctls: { 'net.ipv4.tcp_synack_retries': 2 } });
    expect(fs.readlinkSync(a.agent.netnsPath)).to.not.equal(before);
    expect(a.portIf).to.not.equal(oldPort);
    expect(await a.agent.sysctlGet('net.ipv4.tcp_syncookies')).to.equal('1');
    expect(await a.agent.sysctlGet('net.ipv4.tcp_synack_retries')).to.equal('2');
    expect((await a.agent.must('sockets', {})).rows).to.deep.equal([]);
    expect(await answer(a, 8081, 40003)).to.equal('RA');
    for (const text of [run('ethtool', ['-k', a.addr.testerIf]), run('ethtool', ['-k', a.portIf]), a.inDut('ethtool', ['-k', a.addr.dutIf])]) {
      const f = parseEthtoolFeatures(text);
      for (const name of OFFLOAD_FEATURES) expect(f[name], name).to.equal(false);
    }
    // The old port is down (or already gone with its namespace): nothing of ours reaches the old DUT.
    const old = run('ip', ['-o', 'link', 'show', 'dev', oldPort], undefined, true);
    expect(old === '' || !/[<,]UP[,>]/.test(old), old).to.equal(true);
    expect(a.capture.counters().drops).to.equal(0);
    // The other lab did not notice.
    expect(await answer(b, 8080, 40004)).to.equal('RA');
  });

  it('100 resets in a row: the lab still answers, and the released namespaces and their links are cleaned up', async () => {
    // (How long a reset takes is measured by bench/lab-reset.ts, not asserted here.)
    for (let i = 0; i < 100; i++) await b.reset({});
    expect(await answer(b, 8080, 40005)).to.equal('RA');
    // Old pairs go with their namespaces in the kernel's clean-up, off our path.
    const ports = () =>
      run('ip', ['-o', 'link', 'show'])
        .split('\n')
        .filter((l) => /: syp1-/.test(l)).length;
    const deadline = Date.now() + 10000;
    while (ports() > 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(ports()).to.be.at.most(2);
  });

  it("frames carry the kernel's timestamp, not the event loop's: a SYN-ACK that waited out a 200 ms stall is stamped at its arrival", async () => {
    await listen(b, 8082);
    b.capture.take();
    const a4 = b.addr.v4;
    const sent = process.hrtime.bigint();
    b.injector.send(buildIp({ ip: 4, src: a4.peer, dst: a4.dut, sport: 40006, dport: 8082, flags: 'S', seq: 1000, window: 1000 }), 'link');
    const until = Date.now() + 200;
    while (Date.now() < until) {
      /* the event loop is busy: nothing is read from the capture meanwhile */
    }
    const f = await b.capture.waitFor((x) => decodeEthernet(x.bytes).tcp?.dport === 40006, 1000);
    expect(f, 'SYN-ACK').to.not.equal(undefined);
    const ms = Number(f!.tNs - sent) / 1e6;
    expect(ms, `stamped ${ms.toFixed(2)} ms after the send`).to.be.within(-1, 20);
  });

  it('leaves the host namespace exactly as it was', () => {
    expect(hostSnapshot()).to.deep.equal(hostBefore);
  });
});
