// A case's name: kebab-case, unique in a run. Written as `name:`, or by default taken from the file's
// path under the nearest `cases/` folder, without .yaml, with '/' as '-': cases/listener/foo.yaml is
// listener-foo, wherever the run starts from (outside a cases/ folder: the file's own name). Pure.

/** What a case name may be: lower-case words and digits joined by '-'. */
export const CASE_NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The default name of the case in `file` (may not be kebab-case; the caller checks with CASE_NAME_RE). */
export function caseNameFromPath(file: string): string {
  const parts = file.replace(/\\/g, '/').split('/').filter(Boolean);
  const at = parts.lastIndexOf('cases');
  const rel = at >= 0 && at < parts.length - 1 ? parts.slice(at + 1) : parts.slice(-1);
  return rel.join('-').replace(/\.ya?ml$/i, '');
}
