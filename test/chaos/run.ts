/**
 * `npm run chaos -- --calls 50 --minutes 10`: the reliability promises measured under load and faults.
 *
 * N callers phone two organizations (one billed by usage through Stripe, one prepaid) for M minutes:
 * they book slots others want too, cancel, leave messages, get transferred and hang up, through signed
 * Twilio webhooks, with an OpenAI-compatible model answering in 250–700 ms and a share of webhooks
 * replayed (twice at once, out of order, late). Meanwhile one worker is SIGKILLed every K seconds and
 * restarted, the Temporal server (persistent) is restarted once, PostgreSQL once, and Redis once when
 * there is a redis-server. Then the run drains, checks the invariants from PostgreSQL and Temporal,
 * scans every log line for callers' numbers, names, words and secrets, and prints it all; the exit
 * status is 1 when any invariant breaks.
 *
 *   --calls N          concurrent callers (50)
 *   --minutes M        how long calls keep starting (10)
 *   --kill-every K     seconds between worker kills (30)
 *   --workers W        worker processes (2); the kills take turns
 *   --replay-share S   share of webhooks sent again (0.15)
 *   --llm-latency A-B  the model's answer time in ms (250-700)
 *   --outage S         seconds Temporal, PostgreSQL and Redis stay down when restarted (5)
 *   --keep             keep the run's folder (logs, data) instead of deleting it
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createOrganization } from '../../src/accounts/createOrganization';
import { loadConfig } from '../../src/platform/config';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { newId } from '../../src/platform/db/ids';
import { migrateLatest } from '../../src/platform/db/migrate';
import { withTenant } from '../../src/platform/db/tenancy';
import { runEntryPoint } from '../../src/platform/lifecycle';
import { createLogger } from '../../src/platform/logger';
import { freePort } from '../../src/platform/ports';
import { resolveTemporalCli } from '../../src/platform/temporal/cliBinary';
import { installTemporalRuntime } from '../../src/platform/temporal/runtime';
import { WORKFLOWS_PATH } from '../../src/platform/temporal/worker';
import { resolveStripeMock, startStripeMock } from '../../src/platform/tools/stripeMock';
import { createServices, type Services } from '../../src/services';
import { summarize } from '../../src/bench/stats';
import { startFakeOpenAI } from '../fakes/openai';
import { startFakeTwilioRest } from '../fakes/twilioRest';
import { startCallers, type Line } from './callers';
import { faultFigures, logLeaks, type Fault } from './figures';
import { checkInvariants } from './invariants';
import { nodeProcess, restartablePostgres, restartableTemporal, type NodeProcess, type Restartable } from './processes';
import { redisServer } from '../helpers/redisServer';
import { receptionistReply } from './receptionistModel';

const ACCOUNT_SID = `AC${'c'.repeat(32)}`;
const PUBLIC_BASE_URL = 'https://chaos.callgenly.test';
const TASK_QUEUE = 'chaos';
const LINES = { usage: '+14155550142', prepaid: '+14155550143' } as const;
const TIME_ZONE = 'America/Los_Angeles';
const SERVICE = 'Cleaning';
const PREPAID_TOP_UP_MINOR = 100_000_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '50' },
      minutes: { type: 'string', default: '10' },
      'kill-every': { type: 'string', default: '30' },
      workers: { type: 'string', default: '2' },
      'replay-share': { type: 'string', default: '0.15' },
      'llm-latency': { type: 'string', default: '250-700' },
      outage: { type: 'string', default: '5' },
      keep: { type: 'boolean', default: false },
    },
  });
  const calls = Number(values.calls);
  const seconds = Number(values.minutes) * 60;
  const killEvery = Number(values['kill-every']);
  const workerCount = Number(values.workers);
  const replayShare = Number(values['replay-share']);
  const [llmMin, llmMax] = values['llm-latency'].split('-').map(Number) as [number, number];
  const outage = Number(values.outage);
  if (![calls, seconds, killEvery, workerCount, replayShare, llmMin, llmMax, outage].every((n) => Number.isFinite(n) && n >= 0) || calls < 1 || workerCount < 1) {
    throw new Error('usage: npm run chaos -- [--calls N] [--minutes M] [--kill-every K] [--workers W] [--replay-share S] [--llm-latency A-B] [--outage S] [--keep]');
  }

  const say = (line = '') => process.stdout.write(`${line}\n`);
  const logger = createLogger('warn', 'callgenly-chaos');
  installTemporalRuntime(logger);
  const dir = mkdtempSync(path.join(tmpdir(), 'callgenly-chaos-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const cleanup: Array<() => Promise<unknown>> = [];
  let failed = true;
  try {
    say(`Chaos: ${calls} callers for ${values.minutes} min; a worker of ${workerCount} killed every ${killEvery} s; Temporal, PostgreSQL${redisBinary() ? ' and Redis' : ''} each down ${outage} s once; ${Math.round(replayShare * 100)}% of webhooks replayed. Folder: ${dir}`);
    const cli = resolveTemporalCli(process.env.TEMPORAL_CLI, say);
    const stripeMock = await startStripeMock(resolveStripeMock(process.env.STRIPE_MOCK, say));
    cleanup.push(() => stripeMock.stop());
    const authToken = randomBytes(16).toString('hex');
    const twilio = await startFakeTwilioRest(ACCOUNT_SID, authToken);
    cleanup.push(() => twilio.close());
    const llm = await startFakeOpenAI();
    cleanup.push(() => llm.close());
    llm.fallback = receptionistReply;
    llm.latencyMs = () => llmMin + Math.random() * (llmMax - llmMin);

    let databaseUrl = '';
    const postgres = restartablePostgres({ dir: path.join(dir, 'pg'), port: await freePort(), database: 'callgenly_chaos', onStarted: (pg) => (databaseUrl = pg.url) });
    const temporal = restartableTemporal({ cli, port: await freePort(), dbFilename: path.join(dir, 'temporal.sqlite') });
    const redisBinaryPath = redisBinary();
    const redisPort = await freePort();
    const redis = redisBinaryPath ? redisServer({ binary: redisBinaryPath, port: redisPort, logFile: path.join(dir, 'redis.log') }) : undefined;
    const servers: Restartable[] = [postgres, temporal, ...(redis ? [redis] : [])];
    cleanup.push(async () => {
      for (const server of servers.reverse()) await server.stop().catch(() => undefined);
    });
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    say('Starting PostgreSQL, Temporal, Redis and bundling the workflows...');
    await Promise.all([
      ...servers.map((s) => s.start()),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m: string) => say(`[bundle] ${m}`), error: (m: string) => say(`[bundle] ${m}`) } }).then(({ code }) => writeFileSync(bundlePath, code)),
    ]);

    const apiPort = await freePort();
    const secrets = { MASTER_KEY: generateMasterKeySpec('chaos'), SESSION_SECRET: randomBytes(32).toString('hex'), TWILIO_AUTH_TOKEN: authToken, STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}`, OPENAI_API_KEY: `sk-chaos-${randomBytes(12).toString('hex')}` };
    const env: Record<string, string> = {
      ...secrets,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      PORT: String(apiPort),
      PUBLIC_BASE_URL,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_API_BASE_URL: twilio.baseUrl,
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: 'chaos-receptionist',
      STRIPE_API_URL: stripeMock.url,
      // A status callback lost in a fault is asked of Twilio (the fake REST API) after 30 s, not 5 minutes.
      CALL_STATUS_CHECK_AFTER_MS: '30000',
      ...(redis ? { REDIS_URL: redis.url } : {}),
    };
    const config = loadConfig(env);
    const orgIds = await withServices(env, (services) => setUp(services));

    const api = nodeProcess({ name: 'API', entry: 'src/server.ts', env, logFile: path.join(dir, 'api.log'), ready: { url: `http://127.0.0.1:${apiPort}/readyz` } });
    const workers = Array.from({ length: workerCount }, (_, i) =>
      nodeProcess({ name: `worker ${i + 1}`, entry: 'src/worker.ts', env: { ...env, WORKFLOW_BUNDLE_PATH: bundlePath }, logFile: path.join(dir, `worker-${i + 1}.log`), ready: { logLine: '"worker started"' } }),
    );
    const processes: NodeProcess[] = [api, ...workers];
    cleanup.push(async () => {
      for (const p of processes) await p.stop().catch(() => undefined);
    });
    say('Starting the API and the workers...');
    await Promise.all(processes.map((p) => p.start()));

    // The run.
    const startedAt = Date.now();
    const now = () => (Date.now() - startedAt) / 1000;
    const lines: Line[] = [
      { key: 'usage', number: LINES.usage, timeZone: TIME_ZONE, service: SERVICE },
      { key: 'prepaid', number: LINES.prepaid, timeZone: TIME_ZONE, service: SERVICE },
    ];
    const callers = startCallers(
      {
        target: `http://127.0.0.1:${apiPort}`,
        publicBaseUrl: PUBLIC_BASE_URL,
        authToken,
        accountSid: ACCOUNT_SID,
        lines,
        replayShare,
        onCallEnded: (sid, duration) => twilio.calls.set(sid, { status: 'completed', duration: String(duration) }),
      },
      calls,
      startedAt,
    );
    const faults: Fault[] = [];
    const fault = async (label: string, down: () => Promise<void>, up: () => Promise<void>, downFor = 0) => {
      const at = now();
      await down();
      await new Promise((resolve) => setTimeout(resolve, downFor * 1000));
      await up();
      faults.push({ label, at, readyAt: now() });
      say(`  ${at.toFixed(0).padStart(4)} s  ${label}: serving again after ${(now() - at).toFixed(1)} s`);
    };
    const restarts = [
      { at: seconds * 0.35, label: 'Temporal restarted', run: () => fault('Temporal restarted', () => temporal.stop(), () => temporal.start(), outage) },
      ...(redis ? [{ at: seconds * 0.5, label: 'Redis restarted', run: () => fault('Redis restarted', () => redis.stop(), () => redis.start(), outage) }] : []),
      { at: seconds * 0.65, label: 'PostgreSQL restarted', run: () => fault('PostgreSQL restarted', () => postgres.stop(), () => postgres.start(), outage) },
    ];
    const events: Array<{ at: number; run: () => Promise<void> }> = [...restarts];
    let killed = 0;
    for (let t = killEvery; killEvery > 0 && t < seconds; t += killEvery) {
      // Kills stay clear of the restarts, so each figure belongs to one fault.
      if (restarts.some((r) => Math.abs(r.at - t) < 10)) continue;
      const worker = workers[killed++ % workers.length]!;
      events.push({ at: t, run: () => fault(`${worker.name} SIGKILLed`, () => worker.kill(), () => worker.start()) });
    }
    events.sort((a, b) => a.at - b.at);
    say(`Calling for ${seconds} s (${events.length} faults planned)...`);
    for (const event of events) {
      await sleepUntil(startedAt + event.at * 1000);
      await event.run();
    }
    await sleepUntil(startedAt + seconds * 1000);
    say(`  ${now().toFixed(0).padStart(4)} s  no new calls; the callers finish theirs`);
    await callers.stop();
    const callsEndedAt = now();

    say('Draining: every call workflow closed, usage billed, messages passed on...');
    const drained = await withServices(env, (services) => drain(services, orgIds, DRAIN_TIMEOUT_MS));
    say(`  drained in ${drained.toFixed(0)} s`);

    // The checks.
    const invariants = await withServices(env, (services) =>
      checkInvariants({
        db: services.db,
        fields: services.fields,
        temporal: services.temporal,
        taskQueue: TASK_QUEUE,
        orgIds,
        calls: callers.calls,
        bookings: callers.bookings,
        webhooks: callers.webhooks,
        replays: callers.replays,
        lateAfterMs: config.http.webhookDeadlineMs + 1000,
        prepaid: config.prepaid,
      }),
    );
    for (const p of processes) await p.stop();
    const logs = ['api.log', ...workers.map((_, i) => `worker-${i + 1}.log`)].flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n'));
    const leaks = logLeaks(logs, {
      ...Object.fromEntries(callers.people.map((p, i) => [`caller ${i % 2 === 0 ? 'number' : 'name'} ${Math.floor(i / 2) + 1}`, p.startsWith('+') ? p.slice(2) : p])),
      'words a caller said': 'my crown feels loose',
      'a question a caller asked': 'Do you take insurance',
      ...secrets,
    });
    const leakCount = Object.values(leaks).reduce((a, b) => a + b, 0);
    invariants.push({ name: `log lines naming a caller or a secret (of ${logs.length})`, value: String(leakCount), ok: leakCount === 0 });
    for (const p of processes) invariants.push({ name: `${p.name} crashes (exits nobody caused)`, value: String(p.unexpectedExits), ok: p.unexpectedExits === 0 });

    // The report.
    const all = summarize(callers.turns.map((t) => t.ms));
    const held = callers.turns.filter((t) => t.requests > 1).length;
    const replayed = callers.replays.length;
    say();
    say(`Calls: ${callers.calls.length} placed (${callers.calls.filter((c) => c.greeted).length} greeted) in ${callsEndedAt.toFixed(0)} s; ${callers.calls.reduce((n, c) => n + c.booked.length, 0)} bookings, ${callers.calls.reduce((n, c) => n + c.cancelled.length, 0)} cancellations, ${callers.calls.reduce((n, c) => n + c.messagesConfirmed, 0)} messages, ${callers.calls.filter((c) => c.transferred).length} transfers confirmed to callers`);
    say(`Webhooks: ${callers.webhooks.length} sent, ${replayed} of them replays; slowest answer ${Math.max(0, ...callers.webhooks.map((w) => w.ms)).toFixed(0)} ms`);
    say(`Turns: ${all.count}, p50 ${all.p50.toFixed(0)} ms, p99 ${all.p99.toFixed(0)} ms, max ${all.max.toFixed(0)} ms; ${held} asked the caller to hold, ${callers.turns.filter((t) => !t.answered).length} ended in the apology`);
    say();
    say('Turn latency around each fault (the caller\'s wait, holds included):');
    for (const row of faultFigures(callers.turns, faults)) say(row);
    say();
    say('Invariants:');
    for (const inv of invariants) say(`  ${inv.ok ? 'ok  ' : 'FAIL'}  ${inv.name.padEnd(52)} ${inv.value}`);
    if (leakCount) say(`  found in the logs: ${Object.entries(leaks).map(([what, n]) => `${what} (${n})`).join(', ')}`);
    const broken = invariants.filter((i) => !i.ok);
    const failedCalls = callers.calls.filter((c) => c.failed);
    if (failedCalls.length) say(`  callers who saw an error: ${failedCalls.length} (first: ${failedCalls[0]!.failed})`);
    say();
    say(broken.length === 0 ? `Every invariant held (${invariants.length}).` : `${broken.length} invariant(s) broken. Logs: ${dir}`);
    failed = broken.length > 0;
    if (failed) values.keep = true;
  } finally {
    for (const stop of cleanup.reverse()) await stop().catch(() => undefined);
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

/** The harness's own connections (PostgreSQL and Temporal restart under it): opened for a step, then closed. */
async function withServices<T>(env: Record<string, string>, use: (services: Services) => Promise<T>): Promise<T> {
  const services = await createServices(loadConfig(env), createLogger('warn', 'callgenly-chaos'));
  try {
    return await use(services);
  } finally {
    await services.close();
  }
}

/** The two organizations called: a clinic billed by usage through Stripe, and one paying from a prepaid balance. */
async function setUp(services: Services): Promise<{ usage: string; prepaid: string }> {
  await migrateLatest(services.db);
  const everyDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '08:00', close: '20:00' }]]));
  const make = async (name: string, number: string) => {
    const org = await createOrganization(services.db, services.keyring, { name, timeZone: TIME_ZONE, phoneNumbers: [number], transferE164: '+14155550123', businessHours: everyDay });
    // No weekly report or billing cycle for the run's organizations (their schedules are tested elsewhere).
    await services.db('organizations').where({ id: org.id }).update({ usage_report_time_zone: TIME_ZONE, billing_started_at: services.db.fn.now(), notification_e164s: ['+14155550199'] });
    await withTenant(services.db, org.id, (trx) => trx('services').insert({ id: newId('svc'), org_id: org.id, name: SERVICE, duration_minutes: 30, buffer_after_minutes: 0 }));
    return org.id;
  };
  const usage = await make('Chaos Dental', LINES.usage);
  const prepaid = await make('Chaos Prepaid Clinic', LINES.prepaid);
  await services.db('organizations').where({ id: prepaid }).update({ billing_mode: 'prepaid' });
  await services.db('balance_ledger').insert({ org_id: prepaid, kind: 'top_up', amount_minor: PREPAID_TOP_UP_MINOR, currency: services.config.prepaid.currency, idempotency_key: `chaos-topup:${prepaid}` });
  return { usage, prepaid };
}

/** Waits until no call workflow runs, all usage is billed and every message passed on; returns the seconds it took. */
async function drain(services: Services, orgIds: { usage: string; prepaid: string }, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const orgs = [orgIds.usage, orgIds.prepaid];
  while (Date.now() - started < timeoutMs) {
    const { count } = await services.temporal.workflow.count(`TaskQueue = '${TASK_QUEUE}' AND WorkflowType = 'callWorkflow' AND ExecutionStatus = 'Running'`);
    const unbilled = (await services.db('usage_records').whereIn('org_id', orgs).whereNull('reported_at').count({ n: '*' }))[0]?.n;
    const unsent = (await services.db('messages').whereIn('org_id', orgs).where({ status: 'new' }).count({ n: '*' }))[0]?.n;
    if (count === 0 && Number(unbilled) === 0 && Number(unsent) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return (Date.now() - started) / 1000;
}

function redisBinary(): string | undefined {
  if (process.env.REDIS_SERVER) return process.env.REDIS_SERVER;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function sleepUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));
}

runEntryPoint(main);
