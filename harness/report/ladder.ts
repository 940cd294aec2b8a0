// A compact terminal sequence diagram ("ladder") of one case: peer on the left, DUT on the right.
//
//              peer                                              DUT
//    +0.000ms  │ ──S seq=1000 win=64240 mss=1460─────────────────▶ │
//    +0.211ms  │ ◀──SA seq=77 ack=1001 win=65160 mss=1460────────── │
//    +0.390ms  │ ◀──R seq=78 win=0────────────────────────────────── │ ✗ unexpected
//              │ ◁┄┄A ack=78┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄ │ ? missing
//
// Widths count code points (the summaries are ASCII; the box characters are single-width).

export interface LadderPacket {
  /** 'sent': peer → DUT (arrow to the right); 'received': DUT → peer (arrow to the left). */
  dir: 'sent' | 'received';
  /** One-line description, e.g. "SA seq=… ack=…". */
  summary: string;
  /** Time in ms on any clock; shown relative to the first non-missing packet. NaN/Infinity: no time. */
  tMs: number;
  mark?: 'ok' | 'unexpected' | 'missing';
}

const MARK_TEXT: Record<NonNullable<LadderPacket['mark']>, string> = {
  ok: '✓',
  unexpected: '✗ unexpected',
  missing: '? missing',
};

const MIN_LANE = 16;

function len(s: string): number {
  return Array.from(s).length;
}

function clip(s: string, max: number): string {
  const cps = Array.from(s);
  if (cps.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  return cps.slice(0, max - 1).join('') + '…';
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

export function formatRelMs(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  return a < 10000 ? `${sign}${a.toFixed(3)}ms` : `${sign}${(a / 1000).toFixed(3)}s`;
}

/** Renders the ladder; `width` is the total line width to aim for (default 80, minimum honoured: a 16-column lane). */
export function renderLadder(packets: readonly LadderPacket[], width = 80): string {
  const t0 = packets.reduce((m, p) => (p.mark !== 'missing' && Number.isFinite(p.tMs) && p.tMs < m ? p.tMs : m), Infinity);
  const times = packets.map((p) => (Number.isFinite(p.tMs) && Number.isFinite(t0) ? formatRelMs(p.tMs - t0) : ''));
  const tw = Math.max(0, ...times.map(len));
  const marks = packets.map((p) => (p.mark ? MARK_TEXT[p.mark] : ''));
  const mw = Math.max(0, ...marks.map(len));
  const fixed = tw + 2 /* gap */ + 2 /* "│ " */ + 2 /* " │" */ + (mw ? mw + 1 : 0);
  const lane = Math.max(MIN_LANE, width - fixed);

  const indent = ' '.repeat(tw + 2);
  // "peer" starts on the left rail; "DUT" ends on the right rail.
  const railToRail = lane + 4;
  const header = `${indent}peer${' '.repeat(Math.max(1, railToRail - 4 - 3))}DUT`;
  const lines = [header.trimEnd()];
  if (packets.length === 0) {
    lines.push(`${indent}│ ${'(no packets)'.padEnd(lane)} │`);
    return lines.join('\n') + '\n';
  }
  packets.forEach((p, i) => {
    const missing = p.mark === 'missing';
    const dash = missing ? '┄' : '─';
    const text = clip(oneLine(p.summary), lane - 5);
    let arrow: string;
    if (p.dir === 'sent') {
      const head = missing ? '▷' : '▶';
      arrow = dash + dash + text;
      arrow += dash.repeat(lane - len(arrow) - 1) + head;
    } else {
      const head = missing ? '◁' : '◀';
      arrow = head + dash + dash + text;
      arrow += dash.repeat(lane - len(arrow));
    }
    const time = times[i].padStart(tw);
    const mark = marks[i] ? ` ${marks[i]}` : '';
    lines.push(`${time}  │ ${arrow} │${mark}`);
  });
  return lines.join('\n') + '\n';
}
