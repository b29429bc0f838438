import { monitorEventLoopDelay } from 'node:perf_hooks';
import { STAGES, stageTimings, type Stage } from '../platform/stageTimings';
import { summarize } from './stats';

/** Histograms of the worker's Core SDK worth reading beside our stages (mean, and percentiles as bucket bounds). */
const CORE_LATENCIES: Array<[string, string]> = [
  ['workflow_task_schedule_to_start_latency', 'worker: workflow task waiting to be picked up (Core)'],
  ['workflow_task_execution_latency', 'worker: workflow task executing, incl. local activities (Core)'],
  ['workflow_activation_execution_latency', 'worker: workflow activation in the sandbox (Core)'],
  ['local_activity_execution_latency', 'worker: local activity executing (Core)'],
];
/** Finer buckets (ms) than Core's defaults for those histograms, so their percentiles mean something. */
export const CORE_BUCKETS: Record<string, number[]> = Object.fromEntries(
  CORE_LATENCIES.map(([metric]) => [metric, [0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000]]),
);
/** Counters of the worker's Core SDK worth reading beside them (how many over the span). */
const CORE_COUNTS: Array<[string, string]> = [
  ['sticky_cache_miss', 'worker: sticky cache misses (a workflow replayed from its history)'],
  ['workflow_task_execution_failed', 'worker: workflow tasks failed'],
];

type CoreTotals = Map<string, { sum: number; count: number; buckets: Map<number, number> }>;

/** The worker's Core metrics (Prometheus text), summed over labels: each histogram's total, count and buckets. */
async function coreTotals(metricsUrl: string): Promise<CoreTotals> {
  const text = await (await fetch(metricsUrl)).text();
  const totals: CoreTotals = new Map();
  const entry = (name: string) => totals.get(name) ?? totals.set(name, { sum: 0, count: 0, buckets: new Map() }).get(name)!;
  for (const line of text.split('\n')) {
    const bucket = /^temporal_([a-z_]+)_bucket\{[^}]*le="([^"]+)"[^}]*\} ([0-9.eE+-]+)$/.exec(line);
    if (bucket) {
      const buckets = entry(bucket[1]!).buckets;
      const le = bucket[2] === '+Inf' ? Infinity : Number(bucket[2]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(bucket[3]));
      continue;
    }
    // A histogram's `_sum` and `_count`, or a counter (kept as its count).
    const match = /^temporal_([a-z_]+?)(?:_(sum|count))?(?:\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
    if (match) entry(match[1]!)[match[2] === 'sum' ? 'sum' : 'count'] += Number(match[3]);
  }
  return totals;
}

/** The bucket bound (ms) below which `p` of the span's observations fall: a histogram's percentile, as "≤ bound". */
function bucketPercentile(after: Map<number, number>, before: Map<number, number> | undefined, p: number): string {
  const bounds = [...after.keys()].sort((x, y) => x - y);
  const inSpan = (le: number) => (after.get(le) ?? 0) - (before?.get(le) ?? 0);
  const total = inSpan(Infinity);
  const bound = bounds.find((le) => inSpan(le) >= p * total);
  return bound === undefined || bound === Infinity ? `>${bounds.at(-2)}` : `≤${bound}`;
}

/**
 * `npm run bench -- --profile`: times each stage of the answer and the turn while `work` plays the measured
 * calls, with the worker's Core metrics and the process's event-loop delay over the same span.
 */
export async function profiled<T>(coreMetricsUrl: string | undefined, work: () => Promise<T>): Promise<{ result: T; print(say: (line?: string) => void, per: { answers: number; turns: number }): void }> {
  const before = coreMetricsUrl ? await coreTotals(coreMetricsUrl) : undefined;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  stageTimings.start();
  let samples: Map<Stage, number[]>;
  let result: T;
  try {
    result = await work();
  } finally {
    samples = stageTimings.stop();
    loop.disable();
  }
  const after = coreMetricsUrl ? await coreTotals(coreMetricsUrl) : undefined;
  return {
    result,
    print(say, per) {
      const col = (v: number | string, w = 9) => (typeof v === 'number' ? v.toFixed(1) : v).padStart(w);
      say(`${'Profile: where the time goes (ms)'.padEnd(68)}${col('n', 6)}${col('p50')}${col('p99')}${col('per call')}`);
      for (const stage of STAGES) {
        const list = samples.get(stage);
        if (!list?.length) continue;
        const s = summarize(list);
        // Per answer or per turn: how much of each one this stage takes on average (stages that run several times add up).
        const per1 = stage.startsWith('answer') ? per.answers : per.turns;
        const perCall = stage.startsWith('codec') ? '' : list.reduce((a, b) => a + b, 0) / per1;
        say(`  ${stage.padEnd(66)}${col(s.count, 6)}${col(s.p50)}${col(s.p99)}${col(perCall)}`);
      }
      if (before && after) {
        for (const [metric, label] of CORE_LATENCIES) {
          const a = after.get(metric);
          const b = before.get(metric) ?? { sum: 0, count: 0, buckets: new Map<number, number>() };
          if (!a || a.count === b.count) continue;
          // Percentiles from the histogram's buckets (their bounds), the mean from its sum.
          say(`  ${`${label}, mean ${((a.sum - b.sum) / (a.count - b.count)).toFixed(1)}`.padEnd(66)}${col(a.count - b.count, 6)}${col(bucketPercentile(a.buckets, b.buckets, 0.5))}${col(bucketPercentile(a.buckets, b.buckets, 0.99))}`);
        }
        for (const [metric, label] of CORE_COUNTS) say(`  ${label.padEnd(66)}${col((after.get(metric)?.count ?? 0) - (before.get(metric)?.count ?? 0), 6)}`);
      }
      const ms = (ns: number) => ns / 1e6;
      say(`  ${'event-loop delay of the API + worker process'.padEnd(66)}${col('', 6)}${col(ms(loop.percentile(50)))}${col(ms(loop.percentile(99)))}   max ${ms(loop.max).toFixed(1)}`);
    },
  };
}
