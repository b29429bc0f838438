import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import * as exportedWorkflows from '../../workflows';
import { composeActivities } from '../../activities/platform/registry';
import { assertSweepCovers } from '../../activities/privacy/retention';
import { composeRegistry, DOMAINS, REGISTRY } from '../../src/domains';
import type { Services } from '../../src/services';
import { NOTIFICATION_KINDS } from '../../src/notifications/kinds';
import { checkWorkflowsRegistered } from '../../src/worker';
import { makeOrganization, randomPhone } from '../helpers/organizations';
import { testServices, uniqueName } from '../helpers/stack';
import { APPOINTMENT_PHONE_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { sealPhone } from '../../src/platform/crypto/phoneNumbers';
import { callNumbers } from '../helpers/phoneNumbers';

/**
 * The registries every domain feeds are explicit and checked: the worker's workflows, activity names,
 * routes, tables; and the payload codec, built from the workflow registrations, fails closed.
 */
let services: Services;
beforeAll(async () => {
  services = await testServices();
});
afterAll(() => services.close());

test('every workflow the worker exports is registered by exactly one domain, and every registered one is exported', () => {
  const exported = Object.keys(exportedWorkflows);
  expect(() => checkWorkflowsRegistered(exported)).not.toThrow();
  expect(() => checkWorkflowsRegistered([...exported, 'strayWorkflow'])).toThrow(/no domain registers: strayWorkflow/);
  expect(() => checkWorkflowsRegistered(exported.filter((n) => n !== 'callWorkflow'))).toThrow(/does not export: callWorkflow/);
  for (const w of REGISTRY.workflows) if (w.owner.kind === 'platform') expect([w.type, w.owner.why.length > 10]).toEqual([w.type, true]);
});

test('a name given twice is refused at start-up: workflow types, activities, routes, tables', () => {
  const calls = DOMAINS.find((d) => d.name === 'calls')!;
  expect(() => composeRegistry([...DOMAINS, { ...calls, name: 'calls-again', routes: [], tables: [], searchAttributes: [] }])).toThrow(/workflow type callWorkflow is registered twice/);
  expect(() => composeRegistry([...DOMAINS, { name: 'x', workflows: [], tables: [{ table: 'calls', onDeletion: 'erase', order: 1, retention: 'call-content' }] }])).toThrow(/table calls is registered twice/);
  expect(() => composeActivities({ recordCallStarted: async () => 1 }, { recordCallStarted: async () => 2 })).toThrow(/activity name recordCallStarted is registered twice/);
  // The real composition has no duplicate: the worker builds it at start-up.
  const activities = composeActivities(...DOMAINS.flatMap((d) => d.activities?.({ ...services, registry: REGISTRY }) ?? []));
  expect(Object.keys(activities).length).toBeGreaterThan(40);
});

test('every notification kind is sent by exactly one domain, and every kind a domain sends has its rule and template', () => {
  expect([...REGISTRY.notificationKinds].sort()).toEqual([...NOTIFICATION_KINDS].sort());
});

test("every table's retention class is one the platform applies: the sweep refuses a call-content or recordings table it cannot age out", () => {
  expect(() => assertSweepCovers(REGISTRY.tables)).not.toThrow();
  expect(() => assertSweepCovers([...REGISTRY.tables, { table: 'practice_transcripts', onDeletion: 'erase', order: 1, retention: 'call-content' }])).toThrow(/the domains register calls, messages, practice_transcripts, transcript_turns/);
  expect(() => assertSweepCovers(REGISTRY.tables.filter((t) => t.table !== 'recordings'))).toThrow(/recordings/);
});

test('every table with an org_id belongs to exactly one domain, with its deletion rule', async () => {
  const { rows } = await services.db.raw(`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'org_id' order by 1`);
  const owned = new Set(REGISTRY.tables.map((t) => t.table));
  expect(rows.map((r: { table_name: string }) => r.table_name).filter((t: string) => !owned.has(t))).toEqual([]);
});

/** Temporal as anyone with access to its server sees it: no codec. */
const sealedEverywhere = async (raw: Client, workflowId: string, marker: string) => {
  const history = JSON.stringify(await raw.workflow.getHandle(workflowId).fetchHistory());
  return !history.includes(marker) && !history.includes(Buffer.from(marker).toString('base64').slice(0, 16)) && history.includes(Buffer.from('binary/encrypted').toString('base64'));
};

test('the payload codec seals a workflow of every registered per-organization type, attributed by its id alone; an unregistered id is refused, never plaintext', async () => {
  const org = await makeOrganization(services, { phoneNumbers: [randomPhone()] });
  await services.db('organizations').where({ id: org.id }).update({ encrypt_workflow_payloads: true });
  const id = (prefix: string) => `${prefix}_${randomBytes(13).toString('hex').slice(0, 26)}`;
  const db = services.db;

  /** How each per-organization type is started for the organization (its row first, where the id names a row). */
  const starters: Record<string, () => Promise<string>> = {
    callWorkflow: async () => {
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      await db('calls').insert({ id: id('call'), org_id: org.id, call_sid: callSid, direction: 'inbound', ...(await callNumbers(services.fields, org.id)), started_at: new Date() });
      return `call:${callSid}`;
    },
    recordingDeletionWorkflow: async () => {
      const callId = id('call');
      await db('calls').insert({ id: callId, org_id: org.id, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(services.fields, org.id)), started_at: new Date() });
      return `recordings-delete:${callId}`;
    },
    bookingWorkflow: async () => {
      const [service] = await db('services').insert({ id: id('svc'), org_id: org.id, name: 'Cleaning', duration_minutes: 30 }).returning('id');
      const appointmentId = id('appt');
      const startsAt = new Date(Date.now() + 86_400_000 + Math.floor(Math.random() * 1e9));
      const endsAt = new Date(startsAt.getTime() + 1_800_000);
      await db('appointments').insert({ id: appointmentId, org_id: org.id, service_id: service.id, ...(await sealPhone(services.fields, org.id, APPOINTMENT_PHONE_CONTEXT, '+14155550111')), starts_at: startsAt, ends_at: endsAt, blocks_from: startsAt, blocks_until: endsAt, status: 'held' });
      return `booking:${appointmentId}`;
    },
    billingCycleWorkflow: async () => `billing:${org.id}`,
    notificationWorkflow: async () => {
      const notificationId = id('ntf');
      await db('notifications').insert({ id: notificationId, org_id: org.id, kind: 'calls.message_taken', channel: 'email', recipient: 'owner@example.com', idempotency_key: notificationId });
      return `notification:${notificationId}`;
    },
    usageReportWorkflow: async () => `usage-report:${org.id}-2026-11-30T08:00:00Z`,
    deletionWorkflow: async () => `deletion:${org.id}`,
    dataExportWorkflow: async () => {
      const requestId = id('dsr');
      await db('data_requests').insert({ id: requestId, org_id: org.id, kind: 'export', scope: 'organization' });
      return `export:${requestId}`;
    },
    practiceCallWorkflow: async () => {
      const userId = id('usr');
      await db('users').insert({ id: userId, email: `${userId}@example.com` });
      await db('learners').insert({ org_id: org.id, user_id: userId, phone_e164: '+14155550177', time_zone: 'UTC', native_language: 'Turkish' });
      const planId = id('plan');
      await db('coach_plans').insert({ id: planId, org_id: org.id, user_id: userId, days: [1], local_time: '09:00', minutes: 15, topic_ids: [] });
      return `practice-call:${planId}-2026-11-30T09:00:00Z`;
    },
    weeklyProgressWorkflow: async () => `coach-progress:${org.id}-2026-11-30T08:00:00Z`,
    practiceAnalysisWorkflow: async () => {
      const userId = id('usr');
      await db('users').insert({ id: userId, email: `${userId}@example.com` });
      await db('learners').insert({ org_id: org.id, user_id: userId, phone_e164: '+14155550178', time_zone: 'UTC', native_language: 'Turkish' });
      const planId = id('plan');
      await db('coach_plans').insert({ id: planId, org_id: org.id, user_id: userId, days: [1], local_time: '09:00', minutes: 15, topic_ids: [] });
      const practiceCallId = id('pcl');
      await db('practice_calls').insert({ id: practiceCallId, org_id: org.id, workflow_id: `practice-call:${planId}-x`, plan_id: planId, user_id: userId, engine: 'vapi', trigger: 'now', scheduled_for: new Date() });
      return `practice-analysis:${practiceCallId}`;
    },
    callerErasureWorkflow: async () => {
      const requestId = id('dsr');
      await db('data_requests').insert({ id: requestId, org_id: org.id, kind: 'erasure', scope: 'caller' });
      return `caller-erasure:${requestId}`;
    },
    minorErasureWorkflow: async () => `minor-erasure:${org.id}:${id('usr')}`,
  };
  const perOrganization = REGISTRY.workflows.filter((w) => w.owner.kind !== 'platform').map((w) => w.type);
  // A new per-organization workflow type needs a starter here, so this test covers it too.
  expect(Object.keys(starters).sort()).toEqual([...perOrganization].sort());

  const raw = new Client({ connection: services.temporal.connection, namespace: services.config.temporal.namespace });
  const taskQueue = uniqueName('unpolled'); // nothing runs them: the start input is what is checked
  for (const type of perOrganization) {
    const workflowId = await starters[type]!();
    const marker = `Ada Lovelace ${type}`;
    // The input names no organization: only the id (through its registration) can say whose it is.
    await services.temporal.workflow.start(type, { workflowId, taskQueue, args: [{ caller: marker, phone: '+14155550177' }] });
    expect([type, await sealedEverywhere(raw, workflowId, marker)]).toEqual([type, true]);
    await raw.workflow.getHandle(workflowId).terminate('checked');
  }

  // No domain registers this id: the codec refuses to write it at all.
  await expect(services.temporal.workflow.start('callWorkflow', { workflowId: `stray:${randomBytes(4).toString('hex')}`, taskQueue, args: [{ orgId: org.id, caller: 'Ada' }] })).rejects.toThrow(/no domain registers a workflow with the id stray:/);
  // A per-organization id whose organization cannot be found (no row, nothing in the input): refused too.
  await expect(services.temporal.workflow.start('callWorkflow', { workflowId: `call:CA${randomBytes(16).toString('hex')}`, taskQueue, args: [{ caller: 'Ada' }] })).rejects.toThrow(/cannot be determined/);
});
