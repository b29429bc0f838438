import { renderSvgChart } from '../platform/charts/svgChart';

export interface UsagePoint {
  /** YYYY-MM-DD (or YYYY-MM), in the organization's time zone. */
  period: string;
  calls: number;
  minutes: number;
}

/** Billed minutes per day (or month) as bars, calls as a line: what the usage in a period was made of. */
export function usageChart(points: UsagePoint[], unit: 'day' | 'month'): string {
  return renderSvgChart({
    title: { text: unit === 'day' ? 'Minutes and calls per day' : 'Minutes and calls per month', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 45, right: 45, top: 40, bottom: 50 },
    xAxis: { type: 'category', data: points.map((p) => (unit === 'day' ? p.period.slice(5) : p.period)) },
    yAxis: [
      { type: 'value', name: 'minutes', minInterval: 1 },
      { type: 'value', name: 'calls', minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { name: 'minutes', type: 'bar', data: points.map((p) => p.minutes) },
      { name: 'calls', type: 'line', yAxisIndex: 1, data: points.map((p) => p.calls) },
    ],
  });
}
