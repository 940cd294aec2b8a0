// The report page's stylesheet (inline: the page loads nothing from anywhere).
export const REPORT_CSS = `
:root{--pass:#1a7f37;--fail:#cf222e;--error:#8250df;--skip:#6e7781;--x:#bc4c00;--line:#d0d7de;--dim:#57606a}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 1.2em 2em;color:#1f2328}
h1{font-size:1.3em;margin:.8em 0 .3em}h1 code{font-size:.9em}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.4em 0 .8em}dl.run dt{color:var(--dim)}dl.run dd{margin:0}
.totals a{margin-right:.8em}
.filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:.6em;align-items:center;z-index:1}
.filters input{width:22em}
table{border-collapse:collapse}
#cases{width:100%}#cases th,#cases td{text-align:left;padding:.25em .5em;border-bottom:1px solid var(--line);vertical-align:top}
#cases th{font-weight:600;color:var(--dim)}#cases td:nth-child(3),#cases td:nth-child(6){white-space:nowrap}
#cases td.msg{color:var(--dim);max-width:40em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
.toggle::before{content:"▸ ";color:var(--dim)}tr.open .toggle::before{content:"▾ "}
.badge{display:inline-block;min-width:3.2em;text-align:center;border-radius:1em;padding:0 .5em;color:#fff;font-size:.85em}
.st-pass{--c:var(--pass)}.st-fail{--c:var(--fail)}.st-error{--c:var(--error)}.st-skip{--c:var(--skip)}
.badge{background:var(--c,#6e7781)}
tr.case.st-fail td:first-child,tr.case.st-error td:first-child{box-shadow:inset 3px 0 var(--c)}
tr.details>td{background:#f6f8fa;padding:.6em 1em 1em}
p.facts{color:var(--dim);margin:.2em 0}p.msg{margin:.3em 0;color:var(--c,inherit);font-weight:600}
.bad{color:var(--fail)}
h4{margin:.8em 0 .3em;font-size:1em}
table.diff td,table.diff th{border:1px solid var(--line);padding:.15em .5em;font-family:ui-monospace,monospace;font-size:.9em}
table.diff th{background:#eaeef2}
ul.reasons{margin:.2em 0;padding-left:1.4em;font-family:ui-monospace,monospace;font-size:.85em;color:#24292f}
ol.steps{margin:.2em 0;padding-left:1.4em}
pre{background:#fff;border:1px solid var(--line);padding:.4em;white-space:pre-wrap}
.ladder-box{overflow-x:auto;background:#fff;border:1px solid var(--line);display:inline-block;max-width:100%}
svg.ladder text{font:11px ui-monospace,monospace;fill:#24292f}
svg.ladder text.who{font:600 12px system-ui,sans-serif}
svg.ladder text.t,svg.ladder text.st{fill:var(--dim)}
svg.ladder line.life{stroke:#8c959f;stroke-width:2}
svg.ladder g.arrow line{stroke:#24292f;stroke-width:1.4}svg.ladder g.arrow polygon{fill:#24292f}
svg.ladder g.k-u line{stroke:var(--fail);stroke-width:2}svg.ladder g.k-u polygon{fill:var(--fail)}svg.ladder g.k-u text{fill:var(--fail)}
svg.ladder g.k-x line{stroke:var(--x);stroke-width:2}svg.ladder g.k-x polygon{fill:var(--x)}svg.ladder g.k-x text{fill:var(--x)}
svg.ladder g.k-m line{stroke:var(--fail)}svg.ladder g.k-m polygon{fill:#fff;stroke:var(--fail)}svg.ladder g.k-m text{fill:var(--fail)}
svg.ladder text.mark{font-style:italic}
svg.ladder g.arrow:hover line{stroke-width:3}
.hint{color:var(--dim);font-size:.85em}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}.sides>div{min-width:0}.sides .ladder-box{display:block}.sides svg.ladder{width:100%;height:auto}
ul.changes{margin:.2em 0 .6em;padding-left:1.4em}
.runs{display:grid;grid-template-columns:1fr 1fr;gap:1em}
`;
