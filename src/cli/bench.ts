/**
 * `npm run bench`: the call-turn benchmark. N concurrent simulated calls × M turns, paced like callers,
 * against the full path (signed webhook → Express → Workflow Update → LLM local activity → TwiML) and, in
 * the same run, against a baseline Express handler calling the same fixed-latency LLM directly. Prints
 * p50/p95/p99 for both and the overhead; the Temporal floor (an Update running a local activity as long
 * as the LLM, under the same 50 paced calls, less that wait: what any such turn costs before our code runs), with the
 * SDK's default worker settings and with the product's (BENCH_FLOOR_GRID=1 adds other candidates); then the full path's saturation
 * throughput without pacing. The callers and the fake LLM run in a child process (src/bench/callers.ts).
 * Then usage recording: calls' usage reaching Stripe (stripe-mock) per second, reported a meter event per
 * call and in batches, beside bare ledger inserts, each checked for lost or doubled usage. Then the
 * retention sweep: expired calls deleted per minute beside a bare DELETE.
 *
 *   BENCH_CALLS=50 BENCH_TURNS=5 BENCH_LLM_LATENCY_MS=300 npm run bench
 *   BENCH_ONLY=turns npm run bench          only the turn, answer, floor and saturation figures
 *   npm run bench -- --profile              also where the answer's and the turn's time goes, stage by stage
 *   BENCH_ONLY=usage npm run bench          only the usage-recording figures
 *   BENCH_ONLY=retention BENCH_RETENTION_CALLS=100000 npm run bench    only the retention sweep
 */
import { REGISTRY } from '../domains';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../app';
import { listen } from '../platform/http/httpServer';
import { baselineApp } from '../bench/baseline';
import { PAUSE_MS, startCallers } from '../bench/callers';
import { measureTemporalFloor, type FloorRun } from '../bench/floor';
import { summarize, type Summary } from '../bench/stats';
import { CORE_BUCKETS, profiled } from '../bench/profile';
import { loadConfig } from '../platform/config';
import { generateMasterKeySpec } from '../platform/crypto/masterKeys';
import { startEmbeddedPostgres } from '../platform/db/embeddedPostgres';
import { migrateLatest } from '../platform/db/migrate';
import { freePort } from '../platform/ports';
import { runEntryPoint } from '../platform/lifecycle';
import { createLogger } from '../platform/logger';
import { createOrganization } from '../accounts/createOrganization';
import { createLlmProvider } from '../platform/providers/llm';
import { createServices } from '../services';
import { resolveTemporalCli } from '../platform/temporal/cliBinary';
import { startDevServer } from '../platform/temporal/devServer';
import { installTemporalRuntime } from '../platform/temporal/runtime';
import { startWorker } from '../worker';
import type { WorkerOptions } from '@temporalio/worker';
import { WORKER_TUNING } from '../platform/temporal/worker';
import { measureUsageRecording, type UsagePathFigures } from '../bench/usage';
import { startBillingCycle } from '../billing/cycle';
import { measureRetention } from '../bench/retention';
import { resolveStripeMock, startStripeMock } from '../platform/tools/stripeMock';

const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const ONLY_USAGE = process.env.BENCH_ONLY === 'usage';
const ONLY_RETENTION = process.env.BENCH_ONLY === 'retention';
const ONLY_TURNS = process.env.BENCH_ONLY === 'turns';
const RETENTION_CALLS = Number(process.env.BENCH_RETENTION_CALLS ?? 100_000);
const USAGE_WRITES = Number(process.env.BENCH_USAGE_WRITES ?? 2000);
// As many calls' billing at once as a worker runs activities (the SDK's default, 100).
const USAGE_CONCURRENCY = Number(process.env.BENCH_USAGE_CONCURRENCY ?? 100);
const TURNS = Number(process.env.BENCH_TURNS ?? 5);
const SATURATION_TURNS = 10;
const LLM_LATENCY_MS = Number(process.env.BENCH_LLM_LATENCY_MS ?? 300);
const AUTH_TOKEN = 'bench-twilio-auth-token';
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const PUBLIC_BASE_URL = 'https://bench.callgenly.test';
const NUMBER = '+14155550142';

/** BENCH_FLOOR_GRID=1: the floor also with these worker settings, to choose the product's (WORKER_TUNING). */
const FLOOR_GRID = process.env.BENCH_FLOOR_GRID === '1';
const PROFILE = process.argv.includes('--profile');
const FLOOR_CANDIDATES: Array<[string, Partial<WorkerOptions>]> = [
  ['8 pollers, fixed (the product until 2026-11-30)', { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentWorkflowTaskPolls: 8, stickyQueueScheduleToStartTimeout: '3 seconds' }],
  ['autoscaling, min 2, initial 8, max 50', { ...WORKER_TUNING, workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: 8, maximum: 50 } }],
  ['16 pollers, fixed, sticky ratio 0.1', { ...WORKER_TUNING, workflowTaskPollerBehavior: undefined, maxConcurrentWorkflowTaskPolls: 16, nonStickyToStickyPollRatio: 0.1 }],
];

const head = (title: string) => `${title.padEnd(60)}${['p50', 'p95', 'p99', 'max'].map((p) => p.padStart(8)).join('')}`;
const fmt = (n: number) => n.toFixed(1).padStart(8);
const row = (label: string, s: Pick<Summary, 'p50' | 'p95' | 'p99' | 'max'>) => `  ${label.padEnd(58)}${fmt(s.p50)}${fmt(s.p95)}${fmt(s.p99)}${fmt(s.max)}`;

async function main(): Promise<void> {
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'callgenly-bench');
  const coreMetricsPort = PROFILE ? await freePort() : undefined;
  const coreMetricsUrl = coreMetricsPort ? `http://127.0.0.1:${coreMetricsPort}/metrics` : undefined;
  installTemporalRuntime(logger, 'WARN', coreMetricsPort ? { prometheus: { bindAddress: `127.0.0.1:${coreMetricsPort}`, histogramBucketOverrides: CORE_BUCKETS } } : {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'callgenly-bench-'));
  const stops: Array<() => Promise<unknown>> = [async () => rmSync(dataDir, { recursive: true, force: true })];
  try {
    say('Starting PostgreSQL, the Temporal dev server (in memory), the worker, the API and a fake LLM...');
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dir: dataDir, port: await freePort(), database: 'callgenly_bench', persistent: false });
      stops.unshift(() => pg.stop());
      databaseUrl = pg.url;
    }
    const temporal = await startDevServer({ cli: resolveTemporalCli(process.env.TEMPORAL_CLI, say), namespace: 'default', searchAttributes: REGISTRY.searchAttributes });
    stops.unshift(() => temporal.stop());
    const callers = await startCallers({ publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID, number: NUMBER, llmLatencyMs: LLM_LATENCY_MS });
    stops.unshift(() => callers.stop());

    const stripeMock = await startStripeMock(resolveStripeMock(process.env.STRIPE_MOCK, say));
    stops.unshift(() => stripeMock.stop());
    const env: Record<string, string> = {
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_URL: stripeMock.url,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'bench',
      MASTER_KEY: generateMasterKeySpec('bench'),
      SESSION_SECRET: randomBytes(32).toString('hex'),
      PUBLIC_BASE_URL,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      OPENAI_BASE_URL: callers.llmBaseUrl,
      OPENAI_API_KEY: 'bench',
      LLM_MODEL: 'bench',
    };
    const config = loadConfig(env);
    const services = await createServices(config, logger);
    stops.unshift(() => services.close());
    await migrateLatest(services.db);
    // The callers' organization, found by the number they dial.
    if (!(await services.db('phone_numbers').where({ e164: NUMBER }).first('org_id'))) await createOrganization(services.db, services.keyring, { name: 'Bench Dental', timeZone: 'America/Los_Angeles', phoneNumbers: [NUMBER] });
    if (ONLY_USAGE) return await usageFigures(services, say);
    // The worker shares the API's process, as in `npm run dev` (two processes measured slower on two cores).
    const worker = await startWorker(services);
    stops.unshift(() => worker.stop());
    if (ONLY_RETENTION) return await measureRetention(services, { calls: RETENTION_CALLS, recentFactor: 2 }, say);
    const full = await listen(createApp(services), '127.0.0.1', 0);
    stops.unshift(() => full.close(1000));
    const baseline = await listen(baselineApp(createLlmProvider(config.llm), AUTH_TOKEN, PUBLIC_BASE_URL), '127.0.0.1', 0);
    stops.unshift(() => baseline.close(1000));

    // The floor under the same load as the full path: with the SDK's default worker settings and with the product's.
    const floorLoad = { calls: CALLS, turns: TURNS, activityMs: LLM_LATENCY_MS, paced: true };
    const tunings: Array<[string, Partial<WorkerOptions>]> = [['SDK defaults', {}], ['product', WORKER_TUNING], ...(FLOOR_GRID ? FLOOR_CANDIDATES : [])];
    const floors: Array<[string, FloorRun]> = [];
    let floorProfile: Awaited<ReturnType<typeof profiled<FloorRun>>> | undefined;
    for (const [name, tuning] of tunings) {
      say(`Measuring the Temporal floor (Update + local activity, ${CALLS} paced calls), worker settings: ${name}...`);
      // Profiled, the product's floor too: its worker's Core metrics are the yardstick for the full path's.
      const measure = () => measureTemporalFloor(services.temporal, config.temporal, floorLoad, tuning);
      if (PROFILE && name === 'product') {
        floorProfile = await profiled(coreMetricsUrl, measure);
        floors.push([name, floorProfile.result]);
      } else floors.push([name, await measure()]);
    }
    const floor = summarize(floors[1]![1].turns);
    const answerFloor = summarize(floors[1]![1].answers);

    say('Warming up...');
    await callers.play({ target: full.url, calls: 5, turns: 3, paced: false });
    await callers.play({ target: baseline.url, calls: 5, turns: 3, paced: false });

    say(`Measuring: ${CALLS} concurrent calls × ${TURNS} turns, LLM latency ${LLM_LATENCY_MS} ms, callers pause ${PAUSE_MS[0] / 1000}–${PAUSE_MS[1] / 1000} s between turns`);
    const base = await callers.play({ target: baseline.url, calls: CALLS, turns: TURNS, paced: true });
    const measured = () => callers.play({ target: full.url, calls: CALLS, turns: TURNS, paced: true });
    const profile = PROFILE ? await profiled(coreMetricsUrl, measured) : undefined;
    const real = profile ? profile.result : await measured();
    const b = summarize(base.turns);
    const r = summarize(real.turns);
    say();
    say(head(`Per caller turn (ms, n=${r.count} each)`));
    say(row('baseline: Express → LLM', b));
    say(row('full path: webhook → Update → LLM', r));
    say(row('overhead (full − baseline)', { p50: r.p50 - b.p50, p95: r.p95 - b.p95, p99: r.p99 - b.p99, max: r.max - b.max }));
    for (const [name, run] of floors) say(row(`floor, turn (${name})`, summarize(run.turns)));
    say(`  overhead above the product's floor: ${(r.p50 - b.p50 - floor.p50).toFixed(1)} ms p50, ${(r.p99 - b.p99 - floor.p99).toFixed(1)} ms p99 (what the call path adds to Temporal's own round trip)`);
    say(`  targets at 50 calls: overhead within 5 ms of the floor at p50, ≤ 80 ms at p99`);
    say();
    say(head(`Answering (ms, n=${real.answers.length})`));
    const a = summarize(real.answers);
    say(row('answer (incoming webhook, full)', a));
    for (const [name, run] of floors) say(row(`floor, update-with-start (${name})`, summarize(run.answers)));
    say(`  answer above the product's floor: ${(a.p50 - answerFloor.p50).toFixed(1)} ms p50, ${(a.p99 - answerFloor.p99).toFixed(1)} ms p99`);
    say(`  targets at 50 calls ringing: answer ≤ 40 ms p50, ≤ 120 ms p99`);
    if (profile) {
      say();
      profile.print(say, { answers: real.answers.length, turns: real.turns.length });
      say();
      say("The floor's run (product settings), the same measures:");
      floorProfile?.print(say, { answers: floorProfile.result.answers.length, turns: floorProfile.result.turns.length });
    }

    // Saturation: as many calls as the paced run, none pausing, so the LLM's latency (CALLS / 0.3 s) is not the
    // limit; the floor's throughput the same way (product settings), beside it.
    const saturation = await callers.play({ target: full.url, calls: CALLS, turns: SATURATION_TURNS, paced: false });
    const s = summarize(saturation.turns);
    const floorSaturation = await measureTemporalFloor(services.temporal, config.temporal, { ...floorLoad, turns: SATURATION_TURNS, paced: false }, WORKER_TUNING);
    say();
    // Let the last calls finish (finalize, analysis) so stopping does not cut their tasks off mid-flight.
    for (let waited = 0; waited < 30_000; waited += 500) {
      const { count } = await services.temporal.workflow.count(`TaskQueue = '${config.temporal.taskQueue}' AND ExecutionStatus = 'Running' AND WorkflowType = 'callWorkflow'`);
      if (count === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    say(`Saturation (no pauses, ${CALLS} calls × ${SATURATION_TURNS} turns, LLM ${LLM_LATENCY_MS} ms: at most ${(CALLS / (LLM_LATENCY_MS / 1000)).toFixed(0)} turns/s if turns cost nothing else):`);
    say(`  full path: ${(s.count / saturation.seconds).toFixed(0)} turns/s, p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms`);
    const fs = summarize(floorSaturation.turns.map((t) => t + LLM_LATENCY_MS));
    say(`  floor (Update + local activity, product settings): ${(fs.count / floorSaturation.seconds).toFixed(0)} turns/s (incl. each call's answer), p50 ${fs.p50.toFixed(0)} ms, p99 ${fs.p99.toFixed(0)} ms`);
    say(`  target: ≥ 80 turns/s on the full path`);
    if (ONLY_TURNS) return;
    await usageFigures(services, say);
    say();
    await measureRetention(services, { calls: RETENTION_CALLS, recentFactor: 2 }, say);
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

async function usageFigures(services: Awaited<ReturnType<typeof createServices>>, say: (line?: string) => void): Promise<void> {
  say();
  say(`Usage recording (${USAGE_WRITES} calls' usage, ${USAGE_CONCURRENCY} at a time, one organization):`);
  const newOrganization = async () => {
    const org = await createOrganization(services.db, services.keyring, { name: 'Bench Usage', timeZone: 'America/Los_Angeles' });
    await startBillingCycle(services, org.id);
    return org.id;
  };
  const usage = await measureUsageRecording(services, newOrganization, USAGE_WRITES, USAGE_CONCURRENCY);
  const path = (label: string, p: UsagePathFigures) => {
    say(`  ${label.padEnd(52)}${p.perSecond.toFixed(0).padStart(6)} usage records/s reaching Stripe-mock`);
    say(`  ${''.padEnd(52)}  ${p.meterEvents} meter events (${(p.rows / Math.max(1, p.meterEvents)).toFixed(1)} calls each); ${p.lost} lost, ${p.doubledSeconds} s doubled, ${p.repeatedRequests} repeated requests`);
  };
  say(`  ${'baseline: bare ledger insert'.padEnd(52)}${usage.bareInsertsPerSecond.toFixed(0).padStart(6)} writes/s`);
  path('insert + report, a meter event and a signal per call', usage.perCall);
  path('insert + report in batches (USAGE_BATCH_MAX_CALLS)', usage.batched);
  path('report alone, in batches (rows written before)', usage.reportOnly);
  say(`  ${'a lone call (nothing else pending): reported in'.padEnd(52)}${usage.lone.p50.toFixed(1).padStart(6)} ms p50, ${usage.lone.p95.toFixed(1)} ms p95`);
  const clean = [usage.perCall, usage.batched, usage.reportOnly].every((p) => p.rows === USAGE_WRITES && p.lost === 0 && p.doubledSeconds === 0);
  say(`  check: every row reported once, in one meter event carrying its seconds: ${clean ? 'yes' : 'NO'}`);
  if (!clean) process.exitCode = 1;
}

runEntryPoint(main);
