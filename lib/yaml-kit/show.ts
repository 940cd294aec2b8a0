// How a value read from a YAML source file looks inside an error message: compact, cut when long. Pure.

/** For messages: a YAML value shown compactly. */
export function show(v: unknown): string {
  if (typeof v === 'string') return v.length > 80 ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} characters)` : JSON.stringify(v);
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // .inf, .nan: JSON would say null
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}
