// The report page's script (runs in the browser; page.ts embeds its source next to ladder-svg.ts's):
// filters over the case table (status, area, spec section, family, text; a click on a cell filters by
// its value; the filters live in the URL's #hash, so a filtered view is a link), and a case's details
// (ladder, field diffs, the model's reasons, the pcap link) drawn when the case is opened.
// window.synhReport exposes the same for tests and consoles: filter({status:'fail'}), visible(), open(i).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ArrowView, CaseView } from './case-view';

/** A row of the page: a case run, or on a compare page a case in both runs (sides: A's and B's, null where absent). */
export interface PageEntry extends CaseView {
  /** Opened when the page loads (with at most ten others): a failed case, a regression. */
  auto?: boolean;
  sides?: Array<CaseView | null>;
  sideNames?: string[];
  /** What changed, one line each. */
  changes?: string[];
}

// The page is not Node: these are the browser's.
declare const document: any;
declare const window: any;
declare const history: any;
declare const location: any;
// ladder-svg.ts's, embedded next to this function on the page.
declare function escHtml(s: unknown): string;
declare function ladderSvg(arrows: readonly ArrowView[], eps?: readonly string[]): string;
declare function relTime(ms: number | undefined): string;

/** Self-contained: page.ts embeds its source, so it refers to nothing of this module's but the declared names above. */
export function reportClient(): void {
  const FILTER_KEYS = ['status', 'area', 'spec', 'ip', 'q'];
  const cases: PageEntry[] = JSON.parse(document.getElementById('synh-data').textContent);
  const rows: any[] = Array.from(document.querySelectorAll('#cases tbody tr.case'));
  const form: Record<string, any> = {};
  for (const k of FILTER_KEYS) form[k] = document.getElementById(`f-${k}`);
  const shown = document.getElementById('shown');

  const matches = (c: PageEntry, f: Record<string, string>): boolean => {
    if (f.status && !(f.status === 'failing' ? c.st === 'fail' || c.st === 'error' : c.st === f.status)) return false;
    if (f.area && c.area !== f.area) return false;
    if (f.spec && !c.spec.includes(f.spec)) return false;
    if (f.ip && String(c.ip) !== f.ip) return false;
    if (f.q) {
      const hay = `${c.id} ${c.msg ?? ''} ${c.spec.join(' ')} ${c.st}`.toLowerCase();
      if (
        !f.q
          .toLowerCase()
          .split(/\s+/)
          .filter(Boolean)
          .every((w) => hay.includes(w))
      )
        return false;
    }
    return true;
  };

  const current = (): Record<string, string> => {
    const f: Record<string, string> = {};
    for (const k of FILTER_KEYS) if (form[k].value) f[k] = form[k].value;
    return f;
  };

  const apply = (): number => {
    const f = current();
    let n = 0;
    for (const tr of rows) {
      const ok = matches(cases[Number(tr.dataset.i)], f);
      tr.hidden = !ok;
      const det = tr.nextElementSibling;
      if (det && det.classList.contains('details')) det.hidden = !ok || !tr.classList.contains('open');
      if (ok) n++;
    }
    shown.textContent = `${n} of ${rows.length} shown`;
    const hash = Object.entries(f)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    if (history && history.replaceState) history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
    return n;
  };

  const setFilters = (f: Record<string, string>): number => {
    for (const k of FILTER_KEYS) {
      const v = f[k] ?? '';
      const el = form[k];
      if (el.tagName === 'SELECT' && v && !Array.from(el.options).some((o: any) => o.value === v)) {
        const o = document.createElement('option');
        o.value = v;
        o.textContent = v;
        el.appendChild(o);
      }
      el.value = v;
    }
    return apply();
  };

  const one = (c: CaseView): string => {
    const out: string[] = [];
    const facts: string[] = [`<span>${escHtml(c.file)}</span>`];
    if (c.profile) facts.push(`<span>model profile ${escHtml(c.profile)}</span>`);
    if (c.sys)
      facts.push(
        `<span>sysctls ${escHtml(
          Object.entries(c.sys)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        )}</span>`,
      );
    if (c.drops) facts.push(`<span class="bad">capture dropped ${escHtml(c.drops)} packet(s)</span>`);
    facts.push(c.pcap ? `<a href="${escHtml(c.pcap.split('/').map(encodeURIComponent).join('/'))}">pcapng</a>` : '<span>no pcap</span>');
    out.push(`<p class="facts">${facts.join(' · ')}</p>`);
    const bad = c.steps.filter((s) => !s.ok);
    // A failed step says it all below; the case's own message is for what no step says (errors, skips).
    if (c.msg && !bad.length) out.push(`<p class="msg st-${escHtml(c.st)}">${escHtml(c.msg)}</p>`);
    for (const r of c.reruns ?? []) out.push(`<p class="msg">earlier attempt: ${escHtml(r)}</p>`);
    out.push(`<div class="ladder-box">${ladderSvg(c.arrows, c.eps)}</div>`);
    for (const s of bad) {
      out.push(`<h4 class="bad">${escHtml(s.l)} ${escHtml(s.k)}${s.m ? `: ${escHtml(s.m)}` : ''}</h4>`);
      if (s.script) out.push(`<pre>${escHtml(s.script)}</pre>`);
      if (s.d) {
        const why = s.d.some((d) => d[3]);
        out.push(`<table class="diff"><thead><tr><th>field</th><th>expected</th><th>observed</th>${why ? '<th>why</th>' : ''}</tr></thead><tbody>`);
        for (const d of s.d)
          out.push(
            `<tr><td>${escHtml(d[0])}</td><td>${escHtml(d[1])}</td><td class="bad">${escHtml(d[2])}</td>${why ? `<td>${escHtml(d[3] ?? '')}</td>` : ''}</tr>`,
          );
        out.push('</tbody></table>');
      }
      if (s.r)
        out.push(`<details open><summary>the model's reasons</summary><ul class="reasons">${s.r.map((r) => `<li>${escHtml(r)}</li>`).join('')}</ul></details>`);
    }
    const withReasons = c.steps.filter((s) => s.ok && s.r);
    out.push(
      `<details><summary>steps (${c.steps.length})</summary><ol class="steps">${c.steps.map((s) => `<li class="${s.ok ? '' : 'bad'}">${escHtml(s.l)} ${escHtml(s.k)} ${s.ok ? '✓' : '✗'}${s.m ? ` — ${escHtml(s.m)}` : ''}${s.ok && s.r ? `<ul class="reasons">${s.r.map((r) => `<li>${escHtml(r)}</li>`).join('')}</ul>` : ''}</li>`).join('')}</ol></details>`,
    );
    if (!withReasons.length && !bad.length && c.arrows.length)
      out.push('<p class="hint">Hover over an arrow for the whole packet and the model\'s prediction.</p>');
    return out.join('');
  };

  // A compare page's row holds both runs' results of the case, side by side.
  const details = (c: PageEntry): string => {
    if (!c.sides) return one(c);
    const changes = c.changes?.length ? `<ul class="changes">${c.changes.map((x) => `<li>${escHtml(x)}</li>`).join('')}</ul>` : '';
    const cols = c.sides.map(
      (v, k) =>
        `<div><h4>${escHtml(c.sideNames?.[k] ?? '')}${v ? ` <span class="badge st-${escHtml(v.st)}">${escHtml(v.st)}</span>` : ''}</h4>${v ? one(v) : '<p class="hint">not in this run</p>'}</div>`,
    );
    return `${changes}<div class="sides">${cols.join('')}</div>`;
  };

  const toggle = (tr: any, open?: boolean): void => {
    const c = cases[Number(tr.dataset.i)];
    let det = tr.nextElementSibling;
    if (!det || !det.classList.contains('details')) {
      det = document.createElement('tr');
      det.className = 'details';
      det.hidden = true;
      det.innerHTML = `<td colspan="${tr.children.length}">${details(c)}</td>`;
      tr.after(det);
    }
    const want = open ?? !tr.classList.contains('open');
    tr.classList.toggle('open', want);
    det.hidden = !want || tr.hidden;
  };

  document.addEventListener('click', (ev: any) => {
    const el = ev.target.closest('[data-f], .toggle');
    if (!el) return;
    ev.preventDefault();
    if (el.classList.contains('toggle')) toggle(el.closest('tr'));
    else setFilters({ ...current(), [el.dataset.f]: el.dataset.v });
  });
  for (const k of FILTER_KEYS) form[k].addEventListener(k === 'q' ? 'input' : 'change', apply);
  document.getElementById('f-clear').addEventListener('click', () => setFilters({}));

  const fromHash: Record<string, string> = {};
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && FILTER_KEYS.includes(part.slice(0, eq))) fromHash[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1));
  }
  setFilters(fromHash);
  // A few failures (regressions on a compare page): open them at once.
  const failing = rows.filter((tr) => !tr.hidden && cases[Number(tr.dataset.i)].auto);
  if (failing.length && failing.length <= 10) for (const tr of failing) toggle(tr, true);

  window.synhReport = {
    filter: setFilters,
    visible: (): number => rows.filter((tr) => !tr.hidden).length,
    open: (i: number): void => toggle(rows[i], true),
  };
}
