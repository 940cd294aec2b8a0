// A case's ladder as SVG: the tester's column on the left, the DUT's on the right, time going down,
// one arrow per packet labelled with its flags, seq, ack, window and options and with the step that
// sent or took it; unexpected packets red, packets whose fields differ orange, expected packets that
// never came dashed. Each arrow's <title> (shown on hover) holds the whole packet, the runner's note
// and the model's prediction.
//
// These functions run in the browser too: the page embeds their source (page.ts), so they are
// self-contained (no imports, no module-level state) and build markup from strings, every one of
// which goes through escHtml.
import type { ArrowView } from './case-view';

/** Text for HTML and SVG: & < > " ' escaped (safe in element content and in quoted attributes). */
export function escHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : '&#39;'));
}

/** "+0.038 ms", "+1.204 s". */
export function relTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return Math.abs(ms) < 1000 ? `+${ms.toFixed(3)} ms` : `+${(ms / 1000).toFixed(3)} s`;
}

/** `eps`: the case's endpoints, which arrows name by index (CaseView.eps). */
export function ladderSvg(arrows: readonly ArrowView[], eps: readonly string[] = []): string {
  const W = 780,
    TX = 150,
    DX = 730,
    TOP = 34,
    ROW = 36,
    MAXLABEL = 84;
  // Rows are evenly spaced, plus room for a long pause (a timer): up to 40 px more, growing with the
  // logarithm of the gap, so a 1 s retransmission stands apart from a reply 40 µs after its stimulus.
  const ys: number[] = [];
  let y = TOP + 14;
  let prevT: number | undefined;
  for (const a of arrows) {
    if (a.t !== undefined && prevT !== undefined && a.t - prevT > 20) y += Math.min(40, Math.round(14 * Math.log10((a.t - prevT) / 20)));
    ys.push(y);
    y += ROW;
    if (a.t !== undefined) prevT = a.t;
  }
  const h = (arrows.length ? y - 14 : TOP + ROW) + 12;
  const cut = (s: string): string => (s.length > MAXLABEL ? `${s.slice(0, MAXLABEL - 1)}…` : s);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="packet ladder">`,
    `<text x="${TX}" y="16" class="who" text-anchor="middle">tester</text>`,
    `<text x="${DX}" y="16" class="who" text-anchor="middle">DUT</text>`,
    `<line class="life" x1="${TX}" y1="22" x2="${TX}" y2="${h - 4}"/>`,
    `<line class="life" x1="${DX}" y1="22" x2="${DX}" y2="${h - 4}"/>`,
  ];
  if (!arrows.length) out.push(`<text x="${(TX + DX) / 2}" y="${TOP + 16}" class="lbl" text-anchor="middle">(no packets)</text>`);
  arrows.forEach((a, i) => {
    const y0 = ys[i];
    const y1 = y0 + 10;
    const [x0, x1] = a.d === 's' ? [TX, DX] : [DX, TX];
    const dir = a.d === 's' ? 1 : -1;
    const cls = `arrow${a.k ? ` k-${a.k}` : ''}`;
    const head = `${x1},${y1} ${x1 - dir * 9},${y1 - 5} ${x1 - dir * 9},${y1 + 5}`;
    const lx = (TX + DX) / 2;
    out.push(
      `<g class="${cls}" data-i="${i}"><title>${escHtml(`${a.e !== undefined && eps[a.e] ? `${eps[a.e]} ` : a.p ? `${a.p} ` : ''}${a.l}${a.h ? `\n${a.h}` : ''}`)}</title>`,
      `<line x1="${x0}" y1="${y0}" x2="${x1 - dir * 8}" y2="${y1}"${a.k === 'm' ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<polygon points="${head}"${a.k === 'm' ? ' class="open"' : ''}/>`,
      `<text x="${lx}" y="${y0 - 1}" class="lbl" text-anchor="middle">${escHtml(cut(a.p ? `${a.p} ${a.l}` : a.l))}</text>`,
      `<text x="${TX - 8}" y="${y0 + 4}" class="t" text-anchor="end">${escHtml(relTime(a.t))}</text>`,
      a.s ? `<text x="${DX + 8}" y="${y0 + 4}" class="st">${escHtml(a.s)}</text>` : '',
      a.k
        ? `<text x="${a.d === 's' ? TX + 6 : DX - 6}" y="${y1 + 12}" class="mark" text-anchor="${a.d === 's' ? 'start' : 'end'}">${a.k === 'u' ? 'unexpected' : a.k === 'x' ? 'fields differ' : 'expected, never came'}</text>`
        : '',
      '</g>',
    );
  });
  out.push('</svg>');
  return out.join('');
}
