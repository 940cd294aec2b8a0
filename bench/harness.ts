// SYN → SYN-ACK pairs per second through the harness's own bulk path (ListenerEngine → BatchEngine:
// batches through a packet ring, per-probe bookkeeping, sentinels, drop counters), next to a minimal
// loop on the same lab in the same run (a bare window of SYNs through the lab's libpcap handle or raw
// socket, one send() and one JS callback per packet, no bookkeeping). syncookies=2 so no request
// sockets pile up. Prints figures; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/harness.ts [pairs]
import { buildIp } from '../lib/wire/build';
import { ListenerEngine } from '../harness/engine/listener-engine';
import { Lab } from '../harness/topology/lab';

const N = Number(process.argv[2] ?? 50000);
const WINDOW = 128;

function syn(lab: Lab, i: number): Uint8Array {
  return buildIp({
    ip: 4,
    src: lab.addr.v4.peer,
    dst: lab.addr.v4.dut,
    sport: 1024 + (i % 60000),
    dport: 8080,
    flags: 'S',
    seq: i,
    options: [{ kind: 'mss', value: 1460 }],
  });
}

async function minimalLoop(lab: Lab, path: 'raw' | 'link'): Promise<number> {
  const pkts = Array.from({ length: N }, (_, i) => syn(lab, i));
  let sent = 0;
  let got = 0;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < N && sent - got < WINDOW) lab.injector.send(pkts[sent++], path);
    };
    lab.capture.onFrame = () => {
      if (++got === N) resolve();
      else pump();
    };
    pump();
  });
  lab.capture.onFrame = undefined;
  lab.capture.assertNoDrops();
  return N / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function engineLoop(lab: Lab): Promise<{ rate: number; sentinels: number }> {
  let i = 0;
  let answered = 0;
  const engine = new ListenerEngine(lab, { window: WINDOW, cleanup: false });
  const stats = await engine.run(
    () => (i < N ? { ip: 4, bytes: syn(lab, i++ + N) } : undefined),
    (o) => {
      if (o.replies.length === 1) answered++;
    },
  );
  if (answered !== N) throw new Error(`engine: ${answered}/${N} probes answered`);
  return { rate: N / (stats.elapsedMs / 1000), sentinels: stats.sentinels };
}

(async () => {
  const lab = await Lab.create({ sysctls: { 'net.ipv4.tcp_syncookies': 2 }, capture: 'dut' });
  const fd = (await lab.agent.must('socket', { family: 4 })).fd;
  await lab.agent.must('bind', { fd, addr: lab.addr.v4.dut, port: 8080 });
  await lab.agent.must('listen', { fd, backlog: 4096 });
  for (let round = 1; round <= 2; round++) {
    const raw = await minimalLoop(lab, 'raw');
    const link = await minimalLoop(lab, 'link');
    const eng = await engineLoop(lab);
    console.log(
      `round ${round}: minimal loop ${raw.toFixed(0)} pairs/s (raw socket), ${link.toFixed(0)} pairs/s (link layer); harness engine ${eng.rate.toFixed(0)} pairs/s (${N} probes, ${eng.sentinels} sentinels, window ${WINDOW})`,
    );
  }
  await lab.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
