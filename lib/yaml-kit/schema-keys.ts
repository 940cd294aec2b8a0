// Walking a zod schema along a source path, to list the keys an object there accepts: the case and
// campaign loaders' "unknown key" messages and their suggestions. Reads zod's internal definitions
// (`_zod.def`), the one place that does. Pure.
import type { z } from 'zod';
import type { Path } from './yaml-source';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  values?: unknown[];
  getter?: () => z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object/array/record/… schemas a schema stands for, given the value it sees. */
function unwrap(s: z.ZodType, value: unknown): z.ZodType[] {
  const d = defOf(s);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return unwrap(d.innerType!, value);
    case 'pipe':
      return unwrap(d.in!, value);
    case 'lazy':
      return unwrap(d.getter!(), value);
    case 'union': {
      let opts = d.options!;
      if (d.discriminator && value && typeof value === 'object') {
        const want = (value as Record<string, unknown>)[d.discriminator];
        const hit = opts.filter((o) =>
          unwrap(o, value).some((u) => {
            const lit = defOf(u).shape?.[d.discriminator!];
            return lit !== undefined && (defOf(lit).values ?? []).includes(want);
          }),
        );
        if (hit.length) opts = hit;
      }
      return opts.flatMap((o) => unwrap(o, value));
    }
    default:
      return [s];
  }
}

/**
 * The keys the object at `path` accepts, read from the schema (for "unknown key … known keys here: …"
 * and did-you-mean). `root` is the document's value: with it, a discriminated union offers only the
 * branch its discriminator names; without it, every branch's keys.
 */
export function keysAt(schema: z.ZodType, path: Path, root: unknown): string[] {
  let cur: z.ZodType[] = [schema];
  let value: unknown = root;
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of cur) {
      for (const u of unwrap(s, value)) {
        const d = defOf(u);
        if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) next.push(d.shape[seg]);
        else if (d.type === 'array' && typeof seg === 'number' && d.element) next.push(d.element);
        else if (d.type === 'record' && d.valueType) next.push(d.valueType);
        else if (d.type === 'tuple' && typeof seg === 'number' && d.items?.[seg]) next.push(d.items[seg]);
      }
    }
    cur = next;
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[seg as string] : undefined;
  }
  const keys = new Set<string>();
  for (const s of cur) for (const u of unwrap(s, value)) if (defOf(u).type === 'object') for (const k of Object.keys(defOf(u).shape ?? {})) keys.add(k);
  return [...keys];
}
