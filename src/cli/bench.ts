/**
 * `npm run bench`: the call-turn benchmark. N concurrent simulated calls × M turns, paced like callers,
 * against the full path (signed webhook → Express → Workflow Update → LLM local activity → TwiML) and, in
 * the same run, against a baseline Express handler calling the same fixed-latency LLM directly. Prints
 * p50/p95/p99 for both and the overhead, then the full path's saturation throughput without pacing.
 *
 *   BENCH_CALLS=50 BENCH_TURNS=5 BENCH_LLM_LATENCY_MS=300 npm run bench
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../api/app';
import { listen } from '../api/httpServer';
import { baselineApp } from '../bench/baseline';
import { startFixedLatencyLlm } from '../bench/fakeLlm';
import { summarize, type Summary } from '../bench/stats';
import { loadConfig } from '../config';
import { generateMasterKeySpec } from '../crypto/masterKeys';
import { startEmbeddedPostgres } from '../db/embeddedPostgres';
import { migrateLatest } from '../db/migrate';
import { freePort } from '../ports';
import { runEntryPoint } from '../lifecycle';
import { createLogger } from '../logger';
import { createOrganization } from '../organizations/createOrganization';
import { createLlmProvider } from '../providers/llm';
import { createServices } from '../services';
import { SimulatedCall } from '../simulator/simulatedCall';
import { resolveTemporalCli } from '../temporal/cliBinary';
import { startDevServer } from '../temporal/devServer';
import { installTemporalRuntime } from '../temporal/runtime';
import { startWorker } from '../worker';

const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const TURNS = Number(process.env.BENCH_TURNS ?? 5);
const LLM_LATENCY_MS = Number(process.env.BENCH_LLM_LATENCY_MS ?? 300);
const PAUSE_MS: [number, number] = [1500, 4500];
const AUTH_TOKEN = 'bench-twilio-auth-token';
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const PUBLIC_BASE_URL = 'https://bench.callgenly.test';
const NUMBER = '+14155550142';

interface Run {
  answers: number[];
  turns: number[];
  seconds: number;
}

/** Plays `calls` callers at once, each taking `turns` turns with a caller-like pause before each. */
async function playCalls(target: string, calls: number, turns: number, paced: boolean): Promise<Run> {
  const answers: number[] = [];
  const turnTimes: number[] = [];
  const pause = (min: number, max: number) => new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
  const started = Date.now();
  await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      if (paced) await pause(0, 3000); // callers do not all ring in the same millisecond
      const call = new SimulatedCall({ target, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID, from: `+1415555${String(1000 + i).slice(-4)}`, to: NUMBER });
      let t = performance.now();
      await call.dial();
      answers.push(performance.now() - t);
      for (let turn = 0; turn < turns; turn++) {
        if (paced) await pause(...PAUSE_MS);
        t = performance.now();
        await call.say(`I would like to ask about appointment number ${turn + 1}.`);
        turnTimes.push(performance.now() - t);
      }
      await call.status('completed', 60);
    }),
  );
  return { answers, turns: turnTimes, seconds: (Date.now() - started) / 1000 };
}

const fmt = (n: number) => n.toFixed(1).padStart(8);
const row = (label: string, s: Pick<Summary, 'p50' | 'p95' | 'p99' | 'max'>) => `  ${label.padEnd(34)}${fmt(s.p50)}${fmt(s.p95)}${fmt(s.p99)}${fmt(s.max)}`;

async function main(): Promise<void> {
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'callgenly-bench');
  installTemporalRuntime(logger);
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
    const temporal = await startDevServer({ cli: resolveTemporalCli(process.env.TEMPORAL_CLI, say), namespace: 'default' });
    stops.unshift(() => temporal.stop());
    const llm = await startFixedLatencyLlm(LLM_LATENCY_MS);
    stops.unshift(() => llm.close());

    const config = loadConfig({
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
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: 'bench',
      LLM_MODEL: 'bench',
    });
    const services = await createServices(config, logger);
    stops.unshift(() => services.close());
    await migrateLatest(services.db);
    if (!(await services.db('phone_numbers').where({ e164: NUMBER }).first())) {
      await createOrganization(services.db, services.keyring, { name: 'Bench Dental', timeZone: 'America/Los_Angeles', phoneNumbers: [NUMBER] });
    }
    const worker = await startWorker(services);
    stops.unshift(() => worker.stop());
    const full = await listen(createApp(services), '127.0.0.1', 0);
    stops.unshift(() => full.close(1000));
    const baseline = await listen(baselineApp(createLlmProvider(config.llm), AUTH_TOKEN, PUBLIC_BASE_URL), '127.0.0.1', 0);
    stops.unshift(() => baseline.close(1000));

    say('Warming up...');
    await playCalls(full.url, 5, 3, false);
    await playCalls(baseline.url, 5, 3, false);

    say(`Measuring: ${CALLS} concurrent calls × ${TURNS} turns, LLM latency ${LLM_LATENCY_MS} ms, callers pause ${PAUSE_MS[0] / 1000}–${PAUSE_MS[1] / 1000} s between turns`);
    const base = await playCalls(baseline.url, CALLS, TURNS, true);
    const real = await playCalls(full.url, CALLS, TURNS, true);
    const b = summarize(base.turns);
    const r = summarize(real.turns);
    say();
    say(`Per caller turn (ms, n=${r.count} each)        p50     p95     p99     max`);
    say(row('baseline: Express → LLM', b));
    say(row('full path: webhook → Update → LLM', r));
    say(row('overhead (full − baseline)', { p50: r.p50 - b.p50, p95: r.p95 - b.p95, p99: r.p99 - b.p99, max: r.max - b.max }));
    say(row('answer (incoming webhook, full)', summarize(real.answers)));
    say(`  targets at 50 calls: overhead p50 ≤ 20 ms, p99 ≤ 80 ms`);

    const saturationCalls = Math.max(10, Math.round(CALLS / 2));
    const saturation = await playCalls(full.url, saturationCalls, 10, false);
    const s = summarize(saturation.turns);
    say();
    say(`Saturation (no pauses, ${saturationCalls} calls × 10 turns on the full path): ${(s.count / saturation.seconds).toFixed(0)} turns/s, p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms`);
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

runEntryPoint(main);
