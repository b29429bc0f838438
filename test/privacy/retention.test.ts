import { randomBytes } from 'node:crypto';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { seedCalls } from '../../src/bench/expiredCalls';
import type { Services } from '../../src/services';
import { sweepProgressQuery, type RetentionSweepInput } from '../../workflows/privacy/retentionDefinitions';
import { SweepStatus } from '../../workflows/privacy/retentionDefinitions';
import type { FakeTwilioRest } from '../fakes/twilioRest';
import { until } from '../helpers/booking';
import { spawnChildWorker } from '../helpers/childWorker';
import { recordHistory } from '../helpers/histories';
import { makeOrganization } from '../helpers/organizations';
import { freshDatabase, startTestWorker, testConfig, testServices, uniqueName } from '../helpers/stack';
import { startWorkerStack, type WorkerStack } from '../helpers/workerStack';
import { callNumbers } from '../helpers/phoneNumbers';

/**
 * The retention sweep on a database of its own (so its totals are exactly this test's), the real Temporal
 * server, and Twilio's REST API played by a local server that records which recordings were deleted.
 */
let stack: WorkerStack;
let services: Services;
let twilio: FakeTwilioRest;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  stack = await startWorkerStack({
    DATABASE_URL: databaseUrl,
    RETENTION_BATCH_SIZE: '100', // several batches per organization
    RETENTION_SWEEP_INTERVAL_MS: '3600000',
  });
  ({ services, twilio } = stack);
});
afterAll(() => stack.close());

const db = () => services.db;
const DAY = 86_400_000;

async function oneCall(orgId: string, ageDays: number, extra: { legal_hold?: boolean } = {}): Promise<string> {
  const id = `call_${randomBytes(13).toString('hex').slice(0, 26)}`;
  const startedAt = new Date(Date.now() - ageDays * DAY);
  await db()('calls').insert({ id, org_id: orgId, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(services.fields, orgId)), status: 'completed', started_at: startedAt, ...extra });
  await db()('transcript_turns').insert({ org_id: orgId, call_id: id, seq: 1, role: 'caller', text_ciphertext: Buffer.from([0]) });
  return id;
}

async function recordingOf(orgId: string, callId: string, ageDays: number): Promise<string> {
  const sid = `RE${randomBytes(16).toString('hex')}`;
  await db()('recordings').insert({ id: `rec_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: orgId, call_id: callId, recording_sid: sid, status: 'completed', media_url: `https://api.twilio.com/${sid}`, created_at: new Date(Date.now() - ageDays * DAY) });
  return sid;
}

const sweep = (input: RetentionSweepInput = {}) =>
  services.temporal.workflow.start('retentionSweepWorkflow', { workflowId: uniqueName('retention-sweep'), taskQueue: services.config.temporal.taskQueue, args: [input] });

test('a sweep deletes what each policy says has expired, at Twilio too, keeps what is held, reports per organization, and a second run deletes nothing', async () => {
  const clinic = await makeOrganization(services, { name: 'Retention Clinic' });
  await seedCalls(services, clinic.id, { count: 250, ageDays: 100 }); // 25 messages with them
  await seedCalls(services, clinic.id, { count: 20, ageDays: 10 });
  // An expired call whose recording is still at Twilio: the recording goes first, then the call.
  const recordedOld = await oneCall(clinic.id, 100);
  const oldRecording = await recordingOf(clinic.id, recordedOld, 100);
  // A recent call with a 40-day-old recording: past the 30-day recording retention, the call stays.
  const recordedRecent = await oneCall(clinic.id, 40);
  const recentRecording = await recordingOf(clinic.id, recordedRecent, 40);
  // A coaching service's recordings go after 30 days whatever its setting says.
  const coach = await makeOrganization(services, { name: 'Retention Coaching' });
  await db()('organizations').where({ id: coach.id }).update({ product: 'coach', recording_retention_days: 365 });
  const lesson = await oneCall(coach.id, 35);
  const lessonRecording = await recordingOf(coach.id, lesson, 35);
  // An expired call under legal hold stays, and so does its recording.
  const held = await oneCall(clinic.id, 200, { legal_hold: true });
  const heldRecording = await recordingOf(clinic.id, held, 200);
  // An appointment booked on an expired call outlives it, without the link.
  const expiredWithBooking = await oneCall(clinic.id, 95);
  const [service] = await db()('services').insert({ id: `svc_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: clinic.id, name: 'Cleaning', duration_minutes: 30 }).returning('id');
  const appointmentId = `appt_${randomBytes(13).toString('hex').slice(0, 26)}`;
  const startsAt = new Date(Date.now() - 94 * DAY);
  await db()('appointments').insert({ id: appointmentId, org_id: clinic.id, service_id: service.id, call_id: expiredWithBooking, starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 1_800_000), blocks_from: startsAt, blocks_until: new Date(startsAt.getTime() + 1_800_000), status: 'completed' });

  const onHold = await makeOrganization(services, { name: 'Held Clinic' });
  await db()('organizations').where({ id: onHold.id }).update({ legal_hold: true });
  await seedCalls(services, onHold.id, { count: 30, ageDays: 400 });

  const handle = await sweep();
  const totals = await handle.result();
  expect(totals).toEqual({ organizations: 3, heldOrganizations: 1, callsDeleted: 252, messagesDeleted: 25, recordingsDeleted: 3, billingRecordsDeleted: 0, heldCalls: 31 });

  const calls = async (orgId: string) => (await db()('calls').where({ org_id: orgId }).count<{ n: string }[]>({ n: '*' }))[0]!.n;
  expect(await calls(clinic.id)).toBe('22'); // 20 recent + the 40-day one + the held one
  expect(await calls(onHold.id)).toBe('30');
  expect(await db()('calls').where({ id: recordedOld }).first()).toBeUndefined();
  expect(await db()('transcript_turns').where({ call_id: recordedOld })).toEqual([]);
  expect((await db()('messages').where({ org_id: clinic.id })).length).toBe(2); // the 10-day calls' messages
  expect(twilio.deletedRecordings.sort()).toEqual([oldRecording, recentRecording, lessonRecording].sort());
  expect(await db()('calls').where({ id: lesson }).first()).toBeDefined(); // the lesson's call itself is within retention
  expect(await db()('recordings').where({ recording_sid: recentRecording }).first()).toMatchObject({ status: 'deleted', media_url: null });
  expect((await db()('recordings').where({ recording_sid: heldRecording }).first()).deleted_at).toBeNull();
  expect(await db()('appointments').where({ id: appointmentId }).first()).toMatchObject({ call_id: null, status: 'completed' });

  // Reported: per organization by query and in each one's audit log, the whole run in a summary row.
  const progress = await handle.query(sweepProgressQuery);
  expect(progress.organizations).toEqual(
    expect.arrayContaining([
      { orgId: clinic.id, legalHold: false, callsDeleted: 252, messagesDeleted: 25, recordingsDeleted: 2, billingRecordsDeleted: 0, heldCalls: 1 },
      { orgId: onHold.id, legalHold: true, callsDeleted: 0, messagesDeleted: 0, recordingsDeleted: 0, billingRecordsDeleted: 0, heldCalls: 30 },
    ]),
  );
  const audit = await db()('audit_log').where({ org_id: clinic.id, action: 'retention.swept' });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actor_type: 'system', target_id: progress.sweepId, metadata: expect.objectContaining({ callsDeleted: 252, retentionDays: 90, recordingRetentionDays: 30 }) });
  expect(await db()('retention_runs').where({ id: progress.sweepId }).first()).toMatchObject({ organizations: 3, held_organizations: 1, calls_deleted: '252', held_calls: '31' });
  expect((await handle.describe()).typedSearchAttributes.get(SweepStatus)).toBe('completed');
  await recordHistory(handle, 'retention-sweep');

  // Run again: nothing is expired any more, nothing more at Twilio.
  expect(await (await sweep()).result()).toEqual({ organizations: 3, heldOrganizations: 1, callsDeleted: 0, messagesDeleted: 0, recordingsDeleted: 0, billingRecordsDeleted: 0, heldCalls: 31 });
  expect(twilio.deletedRecordings).toHaveLength(3);
});

test('billing records go when their years are up: seven for the receptionist, ten for a coaching service, deleted organizations too; every balance keeps its total', async () => {
  const YEAR = 365.25 * DAY;
  const ago = (years: number) => new Date(Date.now() - years * YEAR);
  const clinic = await makeOrganization(services, { name: 'Billing Clinic' });
  const coach = await makeOrganization(services, { name: 'Billing Coaching' });
  await db()('organizations').where({ id: coach.id }).update({ product: 'coach' });
  const closed = await makeOrganization(services, { name: 'Closed Clinic' });
  await db()('organizations').where({ id: closed.id }).update({ status: 'deleted' });
  const held = await makeOrganization(services, { name: 'Billing Held' });
  await db()('organizations').where({ id: held.id }).update({ legal_hold: true });
  const learner = `usr_${randomBytes(13).toString('hex').slice(0, 26)}`; // the ledger keeps a learner's id after their account is gone

  let n = 0;
  const entry = (orgId: string, years: number, amount: number, userId: string | null = null) =>
    db()('balance_ledger').insert({ org_id: orgId, user_id: userId, kind: amount > 0 ? 'top_up' : 'call_debit', amount_minor: amount, currency: 'USD', idempotency_key: uniqueName(`k${n++}`), created_at: ago(years) });
  const record = (orgId: string, years: number) => {
    const end = ago(years);
    return db()('billing_records').insert({ id: `bill_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: orgId, period_start: new Date(end.getTime() - 30 * DAY), period_end: end, retain_until: new Date(end.getTime() + 7 * YEAR).toISOString().slice(0, 10), minutes: 1, amount_minor: 100, currency: 'USD', status: 'paid' });
  };
  const usage = (orgId: string, years: number) => db()('usage_records').insert({ id: `use_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: orgId, idempotency_key: uniqueName('u'), call_sid: `CA${randomBytes(16).toString('hex')}`, billable_seconds: 60, occurred_at: ago(years), created_at: ago(years) });
  for (const org of [clinic.id, closed.id, held.id]) {
    await record(org, 8); // past seven years: goes (but not under legal hold)
    await record(org, 6); // stays
    await usage(org, 8);
    await usage(org, 1);
    await entry(org, 8, 5000);
    await entry(org, 7.5, -1200);
    await entry(org, 2, -300);
  }
  // The clinic's usage went to Stripe in batches: a batch goes with its rows, and only then.
  const batched = async (years: number) => {
    const id = `ubat_${randomBytes(13).toString('hex').slice(0, 26)}`;
    await db()('usage_batches').insert({ id, org_id: clinic.id, customer: 'cus_retention', period_hour: ago(years), calls: 1, billable_seconds: 60, event_at: ago(years), created_at: ago(years), reported_at: ago(years) });
    await db()('usage_records').where({ org_id: clinic.id }).whereBetween('created_at', [ago(years + 0.1), ago(years - 0.1)]).update({ batch_id: id, reported_at: ago(years) });
    return id;
  };
  await batched(8);
  const recentBatch = await batched(1);
  // The coaching service's learner: eight years is not ten.
  await entry(coach.id, 11, 2000, learner);
  await entry(coach.id, 10.5, -500, learner);
  await entry(coach.id, 8, -400, learner);
  await entry(coach.id, 1, 1000, learner);
  const balance = async (orgId: string, userId: string | null = null) => Number((await db()('balance_ledger').where({ org_id: orgId }).modify((q) => void (userId ? q.where({ user_id: userId }) : q.whereNull('user_id'))).sum({ s: 'amount_minor' }).first())!.s);
  const before = { clinic: await balance(clinic.id), closed: await balance(closed.id), learner: await balance(coach.id, learner) };

  const handle = await sweep();
  await handle.result();
  const swept = (await handle.query(sweepProgressQuery)).organizations;
  const of = (orgId: string) => swept.find((o) => o.orgId === orgId)!;
  expect(of(clinic.id).billingRecordsDeleted).toBe(5); // one billing record, one usage row and its batch, two ledger entries
  expect(of(closed.id).billingRecordsDeleted).toBe(4);
  expect(of(coach.id).billingRecordsDeleted).toBe(2);
  expect(of(held.id)).toMatchObject({ legalHold: true, billingRecordsDeleted: 0 });

  expect(await db()('billing_records').where({ org_id: clinic.id })).toHaveLength(1);
  expect(await db()('usage_records').where({ org_id: closed.id })).toHaveLength(1);
  expect(await db()('usage_batches').where({ org_id: clinic.id }).pluck('id')).toEqual([recentBatch]);
  expect(await db()('billing_records').where({ org_id: held.id })).toHaveLength(2);
  // Balances keep their totals: the purged entries are one carried-forward entry.
  expect({ clinic: await balance(clinic.id), closed: await balance(closed.id), learner: await balance(coach.id, learner) }).toEqual(before);
  expect(await db()('balance_ledger').where({ org_id: clinic.id, kind: 'carried_forward' }).first()).toMatchObject({ amount_minor: '3800' });
  expect((await db()('balance_ledger').where({ org_id: coach.id, user_id: learner }).orderBy('created_at')).map((e) => [e.kind, Number(e.amount_minor)])).toEqual([
    ['carried_forward', 1500],
    ['call_debit', -400],
    ['top_up', 1000],
  ]);
  expect((await db()('audit_log').where({ org_id: coach.id, action: 'retention.swept' }).first()).metadata).toMatchObject({ billingRecordsDeleted: 2, billingRecordRetentionYears: 10 });
  expect(await db()('retention_runs').where({ id: (await handle.query(sweepProgressQuery)).sweepId }).first()).toMatchObject({ billing_records_deleted: '11' });

  // Nothing is purged twice; the carried-forward entries stay.
  await (await sweep()).result();
  expect(await balance(clinic.id)).toBe(before.clinic);
  expect(await db()('balance_ledger').where({ org_id: clinic.id, kind: 'carried_forward' })).toHaveLength(1);
});

test('the schedule exists at start-up, and a sweep of the same instant run twice (a retry) counts each deletion once', async () => {
  const description = await services.temporal.schedule.getHandle(services.config.retention.scheduleId).describe();
  expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionSweepWorkflow', taskQueue: services.config.temporal.taskQueue });
  expect(description.spec.intervals?.[0]?.every).toBe(3_600_000);

  const org = await makeOrganization(services);
  await seedCalls(services, org.id, { count: 120, ageDays: 91 });
  const now = new Date().toISOString();
  const sweepId = uniqueName('retention-sweep');
  // The same sweep (id, clock) twice over: as an activity retried after a crash would see it.
  const first = await (await sweep({ sweepId, now })).result();
  const again = await (await sweep({ sweepId, now })).result();
  expect(first.callsDeleted).toBe(120);
  expect(again.callsDeleted).toBe(120); // the figure is the sweep's, kept in the database, not recounted
  expect(await db()('audit_log').where({ org_id: org.id, action: 'retention.swept', target_id: sweepId })).toHaveLength(1);
  expect(await db()('retention_sweep_orgs').where({ sweep_id: sweepId, org_id: org.id }).first()).toMatchObject({ calls_deleted: '120', messages_deleted: '12' });
  await until(async () => (await db()('calls').where({ org_id: org.id })).length === 0, 1_000);
});

test('a worker killed mid-sweep: another finishes it, and every count is exact', async () => {
  const env = {
    DATABASE_URL: databaseUrl,
    MASTER_KEY: generateMasterKeySpec(),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TEMPORAL_TASK_QUEUE: uniqueName('tq'),
    RETENTION_SCHEDULE_ID: uniqueName('retention-sweep'),
    RETENTION_BATCH_SIZE: '200',
  };
  const org = await makeOrganization(services);
  await seedCalls(services, org.id, { count: 12_000, ageDays: 180 });
  const child = spawnChildWorker(env);
  const elsewhere = await testServices(testConfig(env));
  let rescuer: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  try {
    const sweepId = uniqueName('retention-sweep');
    const handle = await elsewhere.temporal.workflow.start('retentionSweepWorkflow', { workflowId: sweepId, taskQueue: env.TEMPORAL_TASK_QUEUE, args: [{ sweepId }] });
    const progress = () => db()('retention_sweep_orgs').where({ sweep_id: sweepId, org_id: org.id }).first();
    await until(async () => Number((await progress())?.calls_deleted ?? 0) > 0, 90_000).catch((error) => {
      throw new Error(`the child worker never started deleting: ${error.message}\n${child.output()}`);
    });
    child.kill();
    const atCrash = Number((await progress()).calls_deleted);
    expect(atCrash).toBeLessThan(12_000);

    rescuer = await startTestWorker(elsewhere); // the sweep's heartbeats stopped: its retry lands here
    const totals = await handle.result();
    expect(totals.callsDeleted).toBe(12_000); // counted once each, across both workers
    expect(totals.messagesDeleted).toBe(1_200);
    expect(await db()('calls').where({ org_id: org.id })).toEqual([]);
    expect(await db()('audit_log').where({ org_id: org.id, action: 'retention.swept', target_id: sweepId })).toHaveLength(1);
  } finally {
    child.kill();
    await rescuer?.stop();
    await elsewhere.close();
  }
}, 180_000);
