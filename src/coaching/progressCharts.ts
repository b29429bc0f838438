import { renderSvgChart as render } from '../platform/charts/svgChart';

// Progress charts as SVG, rendered on the server: an email, a page and the console show the same picture.

/** Score per dimension per call, 0–100; a dimension not measured in a call is a gap, never a zero. */
export function scoresChart(points: Array<{ date: string; grammar: number | null; vocabulary: number | null; fluency: number | null; pronunciation: number | null }>): string {
  const series = (['grammar', 'vocabulary', 'fluency', 'pronunciation'] as const).map((key) => ({ name: key, type: 'line' as const, connectNulls: false, data: points.map((p) => p[key]) }));
  return render({
    title: { text: 'Scores per call', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 40, right: 20, top: 40, bottom: 50 },
    xAxis: { type: 'category', data: points.map((p) => p.date) },
    yAxis: { type: 'value', min: 0, max: 100 },
    series,
  });
}

const BANDS = ['A1', 'A1+', 'A2', 'A2+', 'B1', 'B1+', 'B2', 'B2+', 'C1', 'C1+', 'C2'];

/** The estimated level over time, as steps on the CEFR scale. */
export function levelChart(points: Array<{ date: string; level: string | null }>): string {
  return render({
    title: { text: 'Estimated level', left: 'center', textStyle: { fontSize: 14 } },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: points.map((p) => p.date) },
    yAxis: { type: 'category', data: BANDS },
    series: [{ type: 'line', step: 'end', data: points.map((p) => (p.level ? BANDS.indexOf(p.level) : null)) }],
  });
}
