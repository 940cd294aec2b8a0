// `synh doctor`: can this machine run synharness? Each check says what is missing and how to fix it.
// Nothing here touches the host namespace: the probing happens in a throwaway namespace.
import { spawnSync } from 'child_process';
import * as os from 'os';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || (r.error?.message ?? '') };
}

export function runDoctor(): Check[] {
  const checks: Check[] = [];
  const root = process.getuid?.() === 0;
  checks.push({
    name: 'root',
    ok: root,
    detail: root ? 'uid 0' : `uid ${process.getuid?.()}`,
    fix: 'run as root (namespaces, raw sockets and libpcap need it)',
  });
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['ethtool', 'ethtool'],
    ['nsenter', 'util-linux'],
    ['unshare', 'util-linux'],
    ['sysctl', 'procps'],
  ]) {
    const r = sh('sh', ['-c', `command -v ${tool}`]);
    checks.push({ name: tool, ok: r.ok, detail: r.ok ? r.out : 'not found', fix: `apt-get install -y ${pkg} (or npm run setup)` });
  }
  let pcap = 'loads';
  try {
    require('../capture/libpcap');
  } catch (e) {
    pcap = (e as Error).message.split('\n')[0];
  }
  checks.push({ name: 'libpcap', ok: pcap === 'loads', detail: pcap, fix: 'apt-get install -y libpcap-dev (or npm run setup)' });
  for (const mod of ['raw-socket', 'koffi']) {
    let ok = true;
    let detail = 'loads';
    try {
      require(mod);
    } catch (e) {
      ok = false;
      detail = (e as Error).message.split('\n')[0];
    }
    checks.push({ name: `npm ${mod}`, ok, detail, fix: 'npm run setup (builds the native addons)' });
  }
  if (root) {
    // Namespaces, veth, raw sockets and AF_PACKET, all inside a namespace that dies with the check.
    const script = [
      'set -e',
      'ip link add name da type veth peer name db',
      'ip link set da up',
      'ip link set db up',
      'ethtool -K da rx off tx off tso off gso off gro off >/dev/null',
      `${JSON.stringify(process.execPath)} -e 'const r=require("raw-socket");const s=r.createSocket({protocol:255});s.close();const {Pcap}=require(${JSON.stringify(require.resolve('../capture/libpcap'))});const c=new Pcap("da",{snaplen:1518,bufferBytes:4<<20,filter:"tcp"});c.close();console.log("raw+pcap ok")'`,
    ].join('; ');
    const r = spawnSync('unshare', ['--net', '--', 'sh', '-c', script], { encoding: 'utf8', cwd: `${__dirname}/../..` });
    const ok = r.status === 0;
    checks.push({
      name: 'namespaces, veth, raw socket, pcap',
      ok,
      detail: ok ? 'work in a throwaway namespace' : (r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' '),
      fix: 'needs CAP_SYS_ADMIN and CAP_NET_RAW (root, not an unprivileged container)',
    });
  }
  const rel = os.release();
  const m = /^(\d+)\.(\d+)/.exec(rel);
  const known = m ? Number(m[1]) > 6 || (Number(m[1]) === 6 && Number(m[2]) >= 1) : false;
  checks.push({
    name: 'kernel',
    ok: known,
    detail: rel,
    fix: 'the model has profiles for 6.1 and 6.18; older kernels are predicted with the 6.1 profile and may disagree',
  });
  return checks;
}

export function printDoctor(checks: Check[], json: boolean): number {
  const bad = checks.filter((c) => !c.ok);
  if (json) {
    process.stdout.write(JSON.stringify({ ok: bad.length === 0, checks }) + '\n');
  } else {
    for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}${c.ok ? '' : ` — fix: ${c.fix}`}\n`);
  }
  return bad.length ? 1 : 0;
}
