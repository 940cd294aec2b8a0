// `synh doctor --kernel X`: what a guest kernel needs, checked from the outside first (qemu, the tools
// the guest image packs, the kernel's own options and modules), then the usual checks run inside the
// booted guest. Each failure says how to fix it; the boot is skipped while the kernel itself lacks an
// option (booting it could only fail later, with a vaguer message).
import { checkKconfig } from '../../lib/kernel/kconfig';
import { parseKernelList } from '../../lib/kernel/kernel-spec';
import { planImage } from '../guest/image';
import { resolveKernel, type KernelImage } from '../guest/kernel-source';
import { indexModules } from '../guest/modules';
import { haveQemu } from '../guest/qemu';
import { runInGuest } from '../guest/run-in-guest';
import { printDoctor, runDoctor, type Check } from './doctor';
import { withoutKernelFlag } from './kernels';

/** The checks that need no boot: qemu, the image's tools, the kernel image, its config and modules. */
export function outsideChecks(k: KernelImage): Check[] {
  const checks: Check[] = [];
  const q = haveQemu();
  checks.push({ name: 'qemu', ok: q.ok, detail: q.detail, fix: 'apt-get install -y qemu-system-x86 (or npm run setup)' });
  const plan = planImage();
  checks.push({
    name: 'guest image tools',
    ok: !plan.missing.length,
    detail: plan.missing.length ? `missing: ${plan.missing.join(', ')}` : 'node, busybox, dash, iproute2, ethtool, libpcap found',
    fix: 'apt-get install -y busybox-static dash iproute2 ethtool procps util-linux libpcap0.8 (or npm run setup)',
  });
  checks.push({ name: `kernel ${k.label}`, ok: true, detail: `${k.release} (${k.vmlinuz})` });
  if (!k.config) {
    checks.push({
      name: 'kernel config',
      ok: false,
      detail: `no config found next to ${k.vmlinuz} (config-${k.release}, .config of its build tree)`,
      fix: 'put the .config next to the image as config-<release> (or give arch/x86/boot/bzImage of the build tree) so the options can be checked; `synh kconfig` prints what it needs',
    });
    return checks;
  }
  const modules = k.modulesDir ? indexModules(k.modulesDir) : new Map<string, string>();
  const problems = checkKconfig(k.config, (m) => modules.has(m), { guest: true });
  for (const p of problems) {
    const asModule = p.value.startsWith('m');
    checks.push({
      name: `CONFIG_${p.need.option}`,
      ok: false,
      detail: `${p.value} in ${k.configPath}: needed for ${p.need.why}`,
      fix: asModule
        ? `the module ${p.need.module}.ko is not under ${k.modulesDir ?? '(no modules directory found)'}: install the kernel's modules next to it (lib/modules/${k.release}) or set SYNH_KERNEL_MODULES`
        : `rebuild with CONFIG_${p.need.option}=y (synh kconfig prints every option synharness needs)`,
    });
  }
  if (!problems.length) checks.push({ name: 'kernel config', ok: true, detail: `every option synharness needs is set (${k.configPath})` });
  return checks;
}

export async function guestDoctor(kernels: string, argv: readonly string[], json: boolean): Promise<number> {
  const all: Check[] = [];
  for (const spec of parseKernelList(kernels)) {
    if (spec.kind === 'host') {
      all.push(...runDoctor().map((c) => ({ ...c, name: `host: ${c.name}` })));
      continue;
    }
    const k = resolveKernel(spec, (s) => process.stderr.write(`synh: ${s}\n`));
    const outside = outsideChecks(k);
    all.push(...outside.map((c) => ({ ...c, name: `${spec.text}: ${c.name}` })));
    if (outside.some((c) => !c.ok)) {
      all.push({
        name: `${spec.text}: checks inside the guest`,
        ok: false,
        detail: 'not run: the guest needs the fixes above first',
        fix: 'fix the failures above, then run synh doctor --kernel again',
      });
      continue;
    }
    let out = '';
    const sink = { write: (b: string | Uint8Array): boolean => ((out += Buffer.from(b).toString()), true) } as NodeJS.WritableStream;
    const inner = withoutKernelFlag(argv)
      .filter((a) => a !== '--json')
      .concat('--json');
    const r = await runInGuest(k, { argv: inner, stdout: sink, log: (s) => process.stderr.write(`synh: ${s}\n`) });
    if (r.guestError) {
      all.push({ name: `${spec.text}: boot`, ok: false, detail: r.guestError, fix: 'see the console lines; SYNH_GUEST_CONSOLE=1 shows the whole console' });
      continue;
    }
    all.push({
      name: `${spec.text}: boot`,
      ok: true,
      detail: `${r.release} booted under ${r.accel === 'kvm' ? 'KVM' : 'TCG'} in ${(r.bootMs / 1000).toFixed(1)} s`,
    });
    try {
      const inside = JSON.parse(out.trim().split('\n').pop() ?? '') as { checks: Check[] };
      all.push(...inside.checks.map((c) => ({ ...c, name: `${spec.text}: ${c.name}` })));
    } catch {
      all.push({
        name: `${spec.text}: checks inside the guest`,
        ok: false,
        detail: `no answer from synh doctor in the guest (exit status ${r.exitCode}): ${out.slice(-300)}`,
        fix: 'run with SYNH_GUEST_CONSOLE=1 to see the guest console',
      });
    }
  }
  return printDoctor(all, json);
}
