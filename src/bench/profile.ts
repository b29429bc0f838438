import { monitorEventLoopDelay } from 'node:perf_hooks';
import { STAGES, stageTimings, type Stage } from '../platform/stageTimings';
import { summarize } from './stats';

/** Histograms of the worker's Core SDK worth reading beside our stages (mean per occurrence). */
const CORE_LATENCIES: Array<[string, string]> = [
  ['workflow_task_schedule_to_start_latency', 'worker: workflow task waiting to be picked up (Core)'],
  ['workflow_task_execution_latency', 'worker: workflow task executing, incl. local activities (Core)'],
  ['workflow_activation_execution_latency', 'worker: workflow activation in the sandbox (Core)'],
  ['local_activity_execution_latency', 'worker: local activity executing (Core)'],
];
/** Counters of the worker's Core SDK worth reading beside them (how many over the span). */
const CORE_COUNTS: Array<[string, string]> = [
  ['sticky_cache_miss', 'worker: sticky cache misses (a workflow replayed from its history)'],
  ['workflow_task_execution_failed', 'worker: workflow tasks failed'],
];

type CoreTotals = Map<string, { sum: number; count: number }>;

/** The worker's Core metrics (Prometheus text), summed over labels: each histogram's total and count. */
async function coreTotals(metricsUrl: string): Promise<CoreTotals> {
  const text = await (await fetch(metricsUrl)).text();
  const totals: CoreTotals = new Map();
  for (const line of text.split('\n')) {
    // A histogram's `_sum` and `_count`, or a counter (kept as its count).
    const match = /^temporal_([a-z_]+?)(?:_(sum|count))?(?:\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
    if (!match) continue;
    const entry = totals.get(match[1]!) ?? { sum: 0, count: 0 };
    entry[match[2] === 'sum' ? 'sum' : 'count'] += Number(match[3]);
    totals.set(match[1]!, entry);
  }
  return totals;
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
        const per1 = stage.startsWith('answer') || stage.includes('recordCallStarted') ? per.answers : per.turns;
        const perCall = stage.startsWith('codec') ? '' : list.reduce((a, b) => a + b, 0) / per1;
        say(`  ${stage.padEnd(66)}${col(s.count, 6)}${col(s.p50)}${col(s.p99)}${col(perCall)}`);
      }
      if (before && after) {
        for (const [metric, label] of CORE_LATENCIES) {
          const a = after.get(metric);
          const b = before.get(metric) ?? { sum: 0, count: 0 };
          if (!a || a.count === b.count) continue;
          say(`  ${`${label}, mean`.padEnd(66)}${col(a.count - b.count, 6)}${col((a.sum - b.sum) / (a.count - b.count))}`);
        }
        for (const [metric, label] of CORE_COUNTS) say(`  ${label.padEnd(66)}${col((after.get(metric)?.count ?? 0) - (before.get(metric)?.count ?? 0), 6)}`);
      }
      const ms = (ns: number) => ns / 1e6;
      say(`  ${'event-loop delay of the API + worker process'.padEnd(66)}${col('', 6)}${col(ms(loop.percentile(50)))}${col(ms(loop.percentile(99)))}   max ${ms(loop.max).toFixed(1)}`);
    },
  };
}
