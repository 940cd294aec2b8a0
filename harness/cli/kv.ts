// NAME=VALUE option parsing shared by the CLI commands.
export function collectKv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new Error(`expected NAME=VALUE, got '${value}'`);
  return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1).trim() };
}

/** Integer from a CLI string: decimal or 0x hex. */
export function intArg(name: string): (v: string) => number {
  return (v: string) => {
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^-?\d+$/.test(v) ? parseInt(v, 10) : NaN;
    if (!Number.isFinite(n)) throw new Error(`${name}: expected an integer, got '${v}'`);
    return n;
  };
}
