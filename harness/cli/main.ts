// synh — the synharness command line. Quiet on success, precise on failure, --json for machines.
import '../sys/code-cache-install'; // first: the modules below compile with V8 code caches
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import { printDoctor, runDoctor } from './doctor';
import { collectKv, intArg, RANGE } from './kv';
import { acrossKernels, KERNEL_FLAG, KERNEL_HELP, kernelListArg } from './kernels';
import { registerCompare } from './compare';
import { registerMerge } from './merge';
import { registerImport } from './import';
import { registerList } from './list';
import { registerReport } from './report';
import { ipOrBothArg, registerRun } from './run';
import { sweepAtStart } from './sweep-at-start';

function wrap<T>(f: (v: string, prev: T) => T): (v: string, prev: T) => T {
  return (v, prev) => {
    try {
      return f(v, prev);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** --listen PORT[,BACKLOG] */
function listenArg(v: string): { port: number; backlog: number } {
  const parts = v.split(',');
  if (parts.length > 2) throw new Error(`--listen takes PORT or PORT,BACKLOG, got '${v.slice(0, 40)}'`);
  return {
    port: intArg('--listen port', ...RANGE.port)(parts[0]),
    backlog: parts[1] === undefined ? 128 : intArg('--listen backlog', ...RANGE.backlog)(parts[1]),
  };
}

function ipArg(v: string): 4 | 6 {
  if (v !== '4' && v !== '6') throw new InvalidArgumentError(`--ip takes 4 or 6, got '${v}'`);
  return Number(v) as 4 | 6;
}

/** A file's text (fd 0 for stdin); a read error names the file and what to do. */
function readInput(file: string | number, name: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) — give a readable file, or - for stdin`);
  }
}

/** `synh predict --pcap FILE`: one JSON line per peer packet and per DUT packet; the exit status. */
async function predictPcap(file: string, opts: import('../../lib/match/capture-predict').CapturePredictOptions): Promise<number> {
  const { readCaptureFile } = await import('../report/capture-file');
  const { predictCapture, CaptureInputError } = await import('../../lib/match/capture-predict');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`--pcap ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) — give a pcap or pcapng file`);
  }
  const cap = readCaptureFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (!cap.frames.length) {
    process.stderr.write(`synh predict: --pcap ${file}: ${cap.errors[0] ?? 'no packets'} — give a pcap or pcapng file with the peer's packets\n`);
    return 1;
  }
  let r;
  try {
    r = predictCapture(opts, cap.frames);
  } catch (e) {
    if (!(e instanceof CaptureInputError)) throw e;
    process.stderr.write(`synh predict: --pcap ${file}: ${e.message}\n`);
    return 1;
  }
  process.stdout.write(r.lines.map((l) => JSON.stringify(l)).join('\n') + (r.lines.length ? '\n' : ''));
  // A capture cut short is reported, with what was read before the cut still predicted above.
  for (const err of cap.errors) process.stderr.write(`synh predict: --pcap ${file}: ${err} (the ${cap.frames.length} packet(s) before it were read)\n`);
  return cap.errors.length ? 1 : 0;
}

/** `synh probe` on this machine's kernel; the exit status. */
async function probeHere(o: any): Promise<number> {
  const { parseOptionSpec } = await import('../../lib/wire/tcp-options');
  const { parseFlags } = await import('../../lib/wire/flags');
  const { fromHex } = await import('../../lib/wire/bytes');
  const { runProbe } = await import('../probe');
  const { formatPacket, toPacketJson } = await import('../../lib/wire/summary');
  const sockopts: Record<string, number> = {};
  for (const [k, v] of Object.entries(o.sockopt as Record<string, string>)) sockopts[k] = intArg(`--sockopt ${k}`)(v);
  const r = await runProbe({
    ip: o.ip,
    port: o.port,
    listen: !o.closed,
    backlog: o.backlog,
    sport: o.sport,
    flags: parseFlags(o.flags),
    seq: o.seq >>> 0,
    ack: o.ack >>> 0,
    window: o.window,
    options: o.options ? parseOptionSpec(o.options) : [],
    payload: o.payload ? fromHex(o.payload) : undefined,
    tos: o.tos,
    ttl: o.ttl,
    mistakes: o.badChecksum ? { tcpChecksum: 'bad' } : undefined,
    sysctls: o.sysctl,
    sockopts,
    waitMs: o.wait,
    link: !!o.link,
  });
  if (o.json) {
    process.stdout.write(JSON.stringify({ responses: r.replies.map((d) => toPacketJson(d)), kernel: r.kernel }) + '\n');
  } else {
    process.stdout.write(`> ${formatPacket(r.sent)}\n`);
    for (const d of r.replies) process.stdout.write(`< ${formatPacket(d)}\n`);
    if (!r.replies.length) process.stdout.write(`(no reply within ${o.wait} ms)\n`);
  }
  if (r.foreign.length) {
    process.stderr.write(`synh: ${r.foreign.length} packet(s) from the peer address that the harness did not send — the topology is leaking\n`);
    return 1;
  }
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('synh')
    .description('synharness: test the Linux TCP handshake against a real kernel in private network namespaces')
    // A bad command line is one line on stderr and exit status 1.
    // An argument over 60 characters is cut (commander quotes all of it).
    .configureOutput({
      outputError: (text, write) =>
        write(
          `${text
            .trimEnd()
            .split('\n')
            .join(' ')
            .replace(/(argument ')(.{60}).+?(' is invalid)/, '$1$2…$3')} (see synh --help)\n`,
        ),
    });

  program
    .command('doctor')
    .description('check that this machine can run synharness (root, raw sockets, libpcap, ethtool, namespaces, kernel)')
    .option(KERNEL_FLAG, `${KERNEL_HELP}; for a guest kernel: qemu, the kernel's options and modules, then the checks inside it`, kernelListArg)
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean; kernel?: string }) => {
      if (!o.kernel || o.kernel === 'host') {
        process.exitCode = printDoctor(runDoctor(), !!o.json);
        return;
      }
      const { guestDoctor } = await import('./doctor-guest');
      process.exitCode = await guestDoctor(o.kernel, argv.slice(2), !!o.json);
    });

  program
    .command('fetch-kernel <list>')
    .description('fetch and unpack kernels for --kernel ahead of time (debian:<version>), or check kernel images; prints release and image path per kernel')
    .action(async (list: string) => {
      const { parseKernelList } = await import('../../lib/kernel/kernel-spec');
      const { resolveKernel } = await import('../guest/kernel-source');
      for (const spec of parseKernelList(list)) {
        if (spec.kind === 'host') continue;
        const k = resolveKernel(spec, (s) => process.stderr.write(`synh: ${s}\n`));
        process.stdout.write(`${spec.text}\t${k.release}\t${k.vmlinuz}\n`);
      }
    });

  program
    .command('kconfig')
    .description('print the kernel config fragment a self-built kernel under test needs (append to .config, then make olddefconfig)')
    .action(async () => {
      const { kconfigFragment } = await import('../../lib/kernel/kconfig');
      process.stdout.write(kconfigFragment());
    });

  program
    .command('probe')
    .description('build the topology, open a listener (or use a closed port), send one packet, print every packet that comes back')
    .option('--ip <4|6>', 'IP version', ipArg, 4 as 4 | 6)
    .option('--port <n>', 'DUT port', wrap(intArg('--port', ...RANGE.port)), 8080)
    .option('--closed', 'leave the port closed (no listener)')
    .option('--backlog <n>', 'listen() backlog', wrap(intArg('--backlog', ...RANGE.backlog)), 128)
    .option('--sport <n>', 'peer source port', wrap(intArg('--sport', ...RANGE.sport)), 40000)
    .option('--flags <letters>', 'TCP flags, scapy letters FSRPAUECN (N = AE)', 'S')
    .option('--seq <n>', 'sequence number', wrap(intArg('--seq', ...RANGE.u32)), 1000)
    .option('--ack <n>', 'acknowledgment number', wrap(intArg('--ack', ...RANGE.u32)), 0)
    .option('--window <n>', 'window', wrap(intArg('--window', ...RANGE.u16)), 64240)
    .option('--options <list>', "TCP options, e.g. 'mss=1460,sackOK,ts=100:0,nop,wscale=7' (raw=HEX for malformed bytes)", '')
    .option('--payload <hex>', 'payload bytes (hex)')
    .option('--tos <n>', 'IPv4 TOS / IPv6 traffic class byte', wrap(intArg('--tos', ...RANGE.u8)))
    .option('--ttl <n>', 'IPv4 TTL / IPv6 hop limit', wrap(intArg('--ttl', ...RANGE.u8)))
    .option('--bad-checksum', 'send a wrong TCP checksum')
    .option('--link', 'inject through the link layer (byte-exact) instead of the raw socket')
    .option('--sysctl <NAME=VALUE>', 'DUT sysctl (repeatable)', wrap(collectKv), {} as Record<string, string>)
    .option('--sockopt <NAME=VALUE>', 'listener socket option (repeatable), e.g. TCP_MAXSEG=1000', wrap(collectKv), {} as Record<string, string>)
    .option('--wait <ms>', 'how long to collect replies (0 to 60000)', wrap(intArg('--wait', ...RANGE.waitMs)), 300)
    .option(KERNEL_FLAG, KERNEL_HELP, kernelListArg)
    .option('--json', 'print {"responses":[...]} in the same shape as `synh predict --json`')
    .action(async (o) => {
      process.exitCode = await acrossKernels({ kernels: o.kernel, argv: argv.slice(2), local: () => probeHere(o) });
    });

  program
    .command('predict')
    .description("predict the kernel's answer to a packet, a file of packets or a capture (pcap/pcapng) from the reference model, without a kernel")
    .option('--ip <4|6>', 'IP version (default: from the packet)', ipArg)
    .option('--kernel <release>', "kernel release to model (default: this machine's)")
    .option('--listen <PORT[,BACKLOG]>', 'a fresh listener on PORT (default backlog 128); absent = closed port', wrap(listenArg))
    .option('--sysctl <NAME=VALUE>', 'DUT sysctl (repeatable)', wrap(collectKv), {} as Record<string, string>)
    .option('--sockopt <NAME=VALUE>', 'listener socket option (repeatable)', wrap(collectKv), {} as Record<string, string>)
    .option('--packet <hex>', 'one packet: IPv4/IPv6 from the IP header on, or an Ethernet frame (detected)')
    .option('--packets <file>', 'one hex packet per line (- for stdin); output line N answers input line N; a bad line is named file:line:column and exits 1')
    .option('--pcap <file>', "a pcap or pcapng capture: predict each packet the peer sent, in order, and judge the DUT's answers (JSON lines)")
    .option('--from <addr>', "with --pcap: the peer's address (default: the capture's direction flags, else the first SYN's source)")
    .option('--json', 'JSON output (always on for --packets and --pcap)')
    .action(async (o) => {
      const { predictPasted, predictLines, packetFileLines, PredictInputError } = await import('../../lib/model/predict');
      const { fromHex } = await import('../../lib/wire/bytes');
      const listen = o.listen as { port: number; backlog: number } | undefined;
      const opts = { ip: o.ip, kernel: o.kernel ?? require('os').release(), listen, sysctls: o.sysctl, sockopts: o.sockopt };
      const given = ['packet', 'packets', 'pcap'].filter((k) => o[k] !== undefined);
      if (given.length !== 1) throw new Error(given.length ? `give only one of --${given.join(', --')}` : 'give --packet HEX, --packets FILE or --pcap FILE');
      if (o.from !== undefined && !o.pcap) throw new Error('--from goes with --pcap');
      if (o.pcap) {
        process.exitCode = await predictPcap(o.pcap, { ...opts, from: o.from });
        return;
      }
      if (o.packets) {
        const name = o.packets === '-' ? '<stdin>' : o.packets;
        const text = readInput(o.packets === '-' ? 0 : o.packets, name);
        const out: string[] = [];
        const problems: string[] = [];
        for (const l of predictLines(opts, packetFileLines(text), name)) {
          out.push(l.out);
          if (l.problem) problems.push(l.problem);
          if (out.length >= 4096) {
            process.stdout.write(out.join('\n') + '\n');
            out.length = 0;
          }
        }
        if (out.length) process.stdout.write(out.join('\n') + '\n');
        const MAX_SHOWN = 20;
        for (const p of problems.slice(0, MAX_SHOWN)) process.stderr.write(`${p}\n`);
        if (problems.length > MAX_SHOWN) process.stderr.write(`${name}: ${problems.length - MAX_SHOWN} more bad line(s); their output lines carry {"error"}\n`);
        if (problems.length) process.exitCode = 1;
        return;
      }
      let r;
      try {
        r = predictPasted(opts, fromHex(o.packet));
      } catch (e) {
        if (!(e instanceof PredictInputError)) throw e;
        process.stderr.write(`synh predict: ${e.message}\n`);
        process.exitCode = 1;
        return;
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(r) + '\n');
      } else {
        if (!r.responses.length) process.stdout.write('(silence)\n');
        for (const p of r.responses) process.stdout.write(`< ${JSON.stringify(p)}\n`);
        for (const reason of r.reasons) process.stdout.write(`  because ${reason}\n`);
      }
    });

  program
    .command('fuzz [campaign]')
    .description('run a fuzz campaign (cases/campaigns/*.yaml) against this kernel, judged online by the model')
    .option('--resume', "continue from the campaign's checkpoint")
    .option('--replay <finding.json>', "re-run a finding's minimized probe and judge it again")
    .option('--original', 'with --replay: the original probe, not the minimized one')
    .option('--probes <n>', 'stop after this many probes in total', wrap(intArg('--probes', 1)))
    .option('--results <dir>', 'results root', 'results')
    .option('--chunk <n>', 'probes per checkpoint (default 10000)', wrap(intArg('--chunk', 1)))
    .option(
      '--shard <i/N>',
      "run only the i-th of N disjoint parts of the campaign's probes (same seed; N alone: i from $JOB_COMPLETION_INDEX or $TEST_SHARD_INDEX, counting from 0); Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX are honoured without it. Merge the parts with synh merge",
    )
    .option('--model <module>', 'judge with this model module instead of lib/model (e.g. a copy with a planted bug)')
    .option(
      '--guided',
      'rule-coverage-guided generation (as the campaign key guided: true); results in results/fuzz/<campaign>.guided/ when the file says otherwise',
    )
    .option('--unguided', 'plain seeded generation even if the campaign says guided: true (results in <campaign>.unguided/)')
    .option(
      '--coverage <dir...>',
      'merge the rule coverage of these campaign run directories (results/fuzz/*): covered/reachable on this kernel, unreachable rules with the reason',
    )
    .option(KERNEL_FLAG, `${KERNEL_HELP}; each judged by its own model profile`, kernelListArg)
    .option('--json', 'machine-readable summary')
    .action(async (campaign: string | undefined, o) => {
      if (o.model) o.model = require('path').resolve(o.model);
      if (o.guided && o.unguided) throw new Error('--guided and --unguided contradict each other: give one');
      if (o.coverage) {
        if (campaign || o.replay) throw new Error('--coverage reads finished runs: give only run directories, no campaign or --replay');
        const { coverageCommand } = await import('./fuzz-coverage');
        process.exitCode = await coverageCommand(o.coverage, { json: o.json });
        return;
      }
      if (o.kernel && o.kernel !== 'host' && (o.resume || o.replay)) {
        throw new Error(
          '--resume and --replay run on this machine only for now (the checkpoint and the finding record the kernel they came from); drop --kernel',
        );
      }
      const { fuzzCommand } = await import('./fuzz');
      process.exitCode = await acrossKernels({
        kernels: o.kernel,
        argv: argv.slice(2),
        results: o.results,
        inputs: [campaign, o.model].filter((x): x is string => !!x),
        local: () => fuzzCommand(campaign, o),
      });
    });

  program
    .command('differential')
    .description('random SYNs into the kernel at a listener, every reply and silence judged by the model, per sysctl profile and IP version')
    .option('--probes <n>', 'SYNs per profile and family', wrap(intArg('--probes', 1)), 2000)
    .option('--seed <n>', 'seed (default: fresh, printed)', wrap(intArg('--seed')))
    .option('--ip <4|6|both>', 'IP version', ipOrBothArg, 'both' as 4 | 6 | 'both')
    .option(KERNEL_FLAG, KERNEL_HELP, kernelListArg)
    .option('--json', 'machine-readable summary')
    .action(async (o) => {
      const { differentialCommand } = await import('./differential');
      process.exitCode = await acrossKernels({ kernels: o.kernel, argv: argv.slice(2), local: () => differentialCommand(o) });
    });

  registerRun(program, argv);
  registerCompare(program);
  registerMerge(program);
  registerImport(program);
  registerReport(program);
  registerList(program);

  program.hook('preAction', (_program, command) => void sweepAtStart(command.opts()));
  await program.parseAsync(argv);
}
