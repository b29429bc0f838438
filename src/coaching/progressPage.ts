import { escapeHtml } from '../notifications/templates/layout';
import type { LearnerProgress } from './progress';

const measured = (v: number | null) => (v === null ? '<span class="nm">not measured</span>' : String(v));

/**
 * The progress report as a page: the same figures as the JSON and its two server-rendered SVG charts
 * (ECharts' own output, trusted; every text from the database escaped). Static: no script, no asset.
 */
export function progressPage(p: LearnerProgress): string {
  const rows = p.scores
    .slice(-10)
    .reverse()
    .map((s) => `<tr><td>${escapeHtml(s.date.slice(0, 10))}</td><td>${measured(s.grammar)}</td><td>${measured(s.vocabulary)}</td><td>${measured(s.fluency)}</td><td>${measured(s.pronunciation)}</td><td>${s.cefrBand ? escapeHtml(s.cefrBand) : '—'}</td></tr>`)
    .join('');
  const level = p.level.current ? `${escapeHtml(p.level.current)}${p.level.confidence !== null ? ` <small>(confidence ${Math.round(p.level.confidence * 100)}%)</small>` : ''}` : 'not estimated yet <small>(it needs several scored calls)</small>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Progress: ${escapeHtml(p.name)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}
dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.75rem}dl div{background:#f3f4f6;border-radius:8px;padding:.6rem .8rem}dt{font-size:.8rem;color:#52606d}dd{margin:0;font-size:1.2rem;font-weight:600}
figure{margin:1.5rem 0}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e7eb}.nm{color:#7b8794;font-style:italic}small{color:#52606d;font-weight:400}</style>
</head><body>
<h1>Progress: ${escapeHtml(p.name)}</h1>
<dl>
<div><dt>Estimated level</dt><dd>${level}</dd></div>
<div><dt>Practice calls</dt><dd>${p.calls}</dd></div>
<div><dt>Minutes practised</dt><dd>${p.minutesPractised}</dd></div>
<div><dt>Weekly streak</dt><dd>${p.streakWeeks} week${p.streakWeeks === 1 ? '' : 's'}</dd></div>
<div><dt>Words in practice</dt><dd>${p.words.inPractice} <small>(${p.words.learned} learned)</small></dd></div>
</dl>
<p>Topics covered: ${p.topicsCovered.length ? p.topicsCovered.map(escapeHtml).join(', ') : 'none yet'}.</p>
<figure aria-label="Scores per call">${p.charts.scores}</figure>
<figure aria-label="Estimated level over time">${p.charts.level}</figure>
<h2>Latest scored calls</h2>
${rows ? `<table><thead><tr><th>Date</th><th>Grammar</th><th>Vocabulary</th><th>Fluency</th><th>Pronunciation</th><th>CEFR (this call)</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No scored calls yet.</p>'}
<p><small>Scores are 0–100 by the rules in the analysis of each call. The level is a practice estimate from your recent calls, not a certified level. What a call could not measure is shown as not measured, never guessed.</small></p>
</body></html>`;
}
