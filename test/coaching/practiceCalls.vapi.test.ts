import { coachPlanScheduleId } from '../../workflows/coaching/definitions';
import { signVapi } from '../fakes/vapi';
import { recordHistory } from '../helpers/histories';
import { Browser, PASSWORD, randomIp, uniqueEmail } from '../helpers/api';
import { startCoachStack, VAPI_PHONE_NUMBER_ID, VAPI_SECRET, zoneAt, type CoachStack } from '../helpers/coachStack';

/**
 * Practice calls through Vapi, end to end on the real stack: the plan's schedule fires and the call is
 * placed with the learner's coach; Vapi's signed messages end it; the transcript is stored with its
 * timings and the learner is debited once; a lost report is fetched from Vapi; forged and repeated
 * messages change nothing; calls that must not be placed are not, and say why; busy is retried, within bounds.
 */
let stack: CoachStack;
beforeAll(async () => {
  stack = await startCoachStack();
});
afterAll(() => stack.close());

/** Fires the plan's schedule now (as its calendar would) and returns the practice call's workflow id. */
async function fire(planId: string): Promise<string> {
  const before = new Set(await runsOf(planId));
  await stack.services.temporal.schedule.getHandle(coachPlanScheduleId(planId)).trigger();
  for (let i = 0; i < 100; i++) {
    const fresh = (await runsOf(planId)).find((id) => !before.has(id));
    if (fresh) return fresh;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the schedule did not start a practice call');
}
async function runsOf(planId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of stack.services.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "practice-call:${planId}"` })) ids.push(w.workflowId);
  return ids;
}
async function placedCall(count: number) {
  for (let i = 0; i < 100 && stack.vapi.calls.length < count; i++) await new Promise((r) => setTimeout(r, 100));
  expect(stack.vapi.calls.length).toBeGreaterThanOrEqual(count);
  return stack.vapi.calls[count - 1]!;
}
const row = (workflowId: string) => stack.services.db('practice_calls').where({ workflow_id: workflowId }).first();

const CONVERSATION = [
  { role: 'bot' as const, text: "Hi Deniz, it's your English coach! Today let's talk about Job interviews. How are you?", at: 0, seconds: 4 },
  { role: 'user' as const, text: 'I am fine thanks. I have a interview next week for a marketing job.', at: 5, seconds: 5 },
  { role: 'bot' as const, text: 'Great! You have an interview next week. What are your strengths?', at: 11, seconds: 3 },
  { role: 'user' as const, text: 'I am good at deadlines and I take responsibility for my team.', at: 15, seconds: 6 },
];

test("a planned call through Vapi: placed with the learner's coach, ended by Vapi's report, transcript stored with timings, debited once", async () => {
  const { browser, userId, phone } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser, { minutes: 15 });
  const workflowId = await fire(plan.id);
  const count = stack.vapi.calls.length;
  const call = await placedCall(count === 0 ? 1 : count);

  // What was sent to Vapi: the learner's number, our Vapi number, an assistant made from the persona,
  // the call's length (15 planned minutes; the balance of 1000 at 20 a minute pays for 50), our signed webhook.
  const body = call.request as { phoneNumberId: string; customer: { number: string; name: string }; assistant: Record<string, any> };
  expect(body.phoneNumberId).toBe(VAPI_PHONE_NUMBER_ID);
  expect(body.customer).toEqual({ number: phone, name: 'Deniz Kaya' });
  expect(body.assistant.firstMessage).toContain('Hi Deniz');
  expect(body.assistant.firstMessage).toContain('Job interviews');
  const system = body.assistant.model.messages[0].content as string;
  expect(system).toContain('B1');
  expect(system).toContain('Turkish');
  expect(system).toContain('Tell me about your last job.');
  expect(system).toContain('responsibility, deadline');
  expect(system).toContain('repeat their idea back correctly'); // the gentle correction style, the default
  expect(body.assistant.maxDurationSeconds).toBe(900);
  // A minute before the end the coach says so; ten seconds before, goodbye and the end.
  expect(body.assistant.hooks).toEqual([
    { on: 'call.timeElapsed', options: { seconds: 840 }, do: [{ type: 'say', exact: expect.stringContaining('one minute left') }] },
    { on: 'call.timeElapsed', options: { seconds: 890 }, do: [{ type: 'say', exact: expect.stringContaining("That's our time for today. Great work, Deniz!") }, { type: 'tool', tool: { type: 'endCall' } }] },
  ]);
  expect(body.assistant.serverMessages).toEqual(['status-update', 'end-of-call-report']);
  expect(body.assistant.server).toMatchObject({ url: stack.vapiEventsUrl, credentialId: 'cred_test_hmac' });
  expect(body.assistant.metadata.attemptKey).toMatch(/^pcl_[0-9a-z]{26}:1$/);
  expect(body.assistant.backgroundSound).toBe('off');
  expect(body.assistant.model).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-6' });
  // Phrases of the coach that end the call: only the opt-out confirmation and the goodbye, nothing said in passing.
  expect(body.assistant.endCallPhrases).toEqual(["I won't call you again", "That's our time for today"]);

  await stack.until(workflowId, ['in_progress']);
  stack.vapi.end(call.id, { endedReason: 'customer-ended-call', lines: CONVERSATION, durationSeconds: 125, recording: true });
  expect((await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'status-update', call)).status).toBe(200);
  expect((await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'end-of-call-report', call)).status).toBe(200);
  expect(await stack.outcome(workflowId)).toMatchObject({ status: 'completed', attempts: 1 });
  await recordHistory(stack.services.temporal.workflow.getHandle(workflowId), 'practice-call-vapi-completed');

  // Stored: outcome, Vapi's words, the duration, 3 started minutes at 20 = 60, the recording kept at Vapi.
  const pc = await row(workflowId);
  expect(pc).toMatchObject({ status: 'completed', ended_reason: 'customer-ended-call', duration_seconds: 125, billed_minutes: 3, cost_minor: '60', recording_ref: call.id, provider_call_id: call.id, engine: 'vapi', trigger: 'schedule', user_id: userId });
  const detail = await browser.get(`/api/v1/practice-calls/${pc.id}`);
  expect(detail.status).toBe(200);
  expect(detail.body.transcript).toEqual([
    { role: 'coach', text: CONVERSATION[0]!.text, startMs: 0, endMs: 4000 },
    { role: 'learner', text: CONVERSATION[1]!.text, startMs: 5000, endMs: 10000 },
    { role: 'coach', text: CONVERSATION[2]!.text, startMs: 11000, endMs: 14000 },
    { role: 'learner', text: CONVERSATION[3]!.text, startMs: 15000, endMs: 21000 },
  ]);
  expect(detail.body).toMatchObject({ recording: 'kept', billedMinutes: 3, costMinor: 60 });
  // Nobody else's: another learner of the school, another school's owner.
  const other = await stack.learner();
  expect((await other.browser.get(`/api/v1/practice-calls/${pc.id}`)).status).toBe(404);
  expect((await other.browser.get('/api/v1/practice-calls')).body.data).toEqual([]);
  const stranger = new Browser(stack.app, randomIp());
  stranger.remember(await stranger.post('/api/v1/auth/signup', { ageConfirmed: true, email: uniqueEmail('other-school'), password: PASSWORD, name: 'Other', organization: { name: 'Other School', timeZone: 'UTC', product: 'coach' } }));
  const foreign = await stranger.get(`/api/v1/practice-calls/${pc.id}`);
  expect(foreign.status).toBe(404);
  expect(JSON.stringify(foreign.body)).not.toContain('marketing');
  // Encrypted at rest like every transcript.
  const stored = await stack.services.db('transcript_turns').where({ call_id: pc.call_id }).orderBy('seq');
  expect(stored).toHaveLength(4);
  expect(stored[1].text_ciphertext.toString('utf8')).not.toContain('marketing');

  const balance = await browser.get('/api/v1/me/learner/balance');
  expect(balance.body).toEqual({ balance: { amountMinor: 940, currency: 'USD' }, pricePerMinute: { amountMinor: 20, currency: 'USD' }, minutesPaidFor: 47 });

  // The same report again (Vapi with a backoff plan, or a replay) and a forged one change nothing.
  expect((await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'end-of-call-report', call)).status).toBe(200);
  const forged = await stack.vapi.send(stack.vapiEventsUrl, 'not-the-secret-at-all', 'end-of-call-report', { ...call, endedReason: 'customer-busy' });
  expect(forged.status).toBe(401);
  const stale = JSON.stringify({ message: { type: 'end-of-call-report', call: { id: call.id } } });
  const old = await fetch(stack.vapiEventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...signVapi(stale, VAPI_SECRET, String(Date.now() - 10 * 60_000)) }, body: stale });
  expect(old.status).toBe(401);
  await new Promise((r) => setTimeout(r, 300));
  expect(await row(workflowId)).toMatchObject({ status: 'completed', billed_minutes: 3 });
  const ledger = await browser.get('/api/v1/me/learner/transactions');
  expect(ledger.body.data.map((t: { kind: string; amount: { amountMinor: number } }) => [t.kind, t.amount.amountMinor])).toEqual([
    ['call_debit', -60],
    ['top_up', 1000],
  ]);
  expect(ledger.body.data[0].practiceCallId).toBe(pc.id);
  // Debiting is keyed by the practice call: running the step again (a worker killed mid-debit) takes nothing more.
  const { createPracticeCallActivities } = await import('../../activities/coaching/practiceCalls');
  const activities = createPracticeCallActivities(stack.services);
  await activities.finishPracticeAttempt({ orgId: stack.orgId, practiceCallId: pc.id, attempt: 1, report: { providerCallId: call.id, endedReason: 'customer-ended-call', outcome: 'completed', durationSeconds: 125, startedAt: call.startedAt, endedAt: call.endedAt, lines: [], optedOut: false } });
  expect((await browser.get('/api/v1/me/learner/balance')).body.balance.amountMinor).toBe(940);
});

test("a lost end-of-call report is fetched from Vapi's API; a worker restart while the call runs loses nothing", async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser, { minutes: 10 });
  const now = await browser.post(`/api/v1/plans/${plan.id}/call-now`);
  expect(now.status).toBe(202);
  const workflowId = now.body.workflowId as string;
  await stack.until(workflowId, ['in_progress']);
  const call = stack.vapi.calls.at(-1)!;
  await stack.restartWorker();
  // Vapi says the call ended; its report never arrives (a deploy, a timeout: Vapi does not retry).
  stack.vapi.end(call.id, { endedReason: 'exceeded-max-duration', lines: CONVERSATION, durationSeconds: 600, recording: true });
  await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'status-update', call);
  expect(await stack.outcome(workflowId)).toMatchObject({ status: 'completed' });
  await recordHistory(stack.services.temporal.workflow.getHandle(workflowId), 'practice-call-vapi-report-fetched');
  expect(await row(workflowId)).toMatchObject({ status: 'completed', trigger: 'now', ended_reason: 'exceeded-max-duration', billed_minutes: 10, cost_minor: '200' });
  expect((await browser.get('/api/v1/me/learner/balance')).body.balance.amountMinor).toBe(800);
});

test('no call is placed without consent, outside the calling window, or without balance; each says why', async () => {
  const callsBefore = stack.vapi.calls.length;
  // Withdrawn consent (the plan is paused too: its "call now" is refused; a schedule run is refused).
  const noConsent = await stack.learner({ balanceMinor: 1000 });
  const p1 = await stack.plan(noConsent.browser);
  await stack.services.db('coach_consents').where({ user_id: noConsent.userId }).update({ withdrawn_at: new Date(), withdrawn_via: 'staff' });
  const w1 = await fire(p1.id);
  expect(await stack.outcome(w1)).toMatchObject({ status: 'refused', refusal: 'no_consent' });

  // 02:00 where the learner lives.
  const night = await stack.learner({ balanceMinor: 1000, timeZone: zoneAt([0, 6]) });
  const p2 = await stack.plan(night.browser);
  const w2 = await fire(p2.id);
  expect(await stack.outcome(w2)).toMatchObject({ status: 'refused', refusal: 'outside_calling_window' });

  // 10 in the balance, a minute costs 20: refused, and the learner is emailed a link to top up.
  const poor = await stack.learner({ balanceMinor: 10 });
  const p3 = await stack.plan(poor.browser);
  const w3 = await fire(p3.id);
  expect(await stack.outcome(w3)).toMatchObject({ status: 'refused', refusal: 'balance_too_low' });
  await recordHistory(stack.services.temporal.workflow.getHandle(w3), 'practice-call-refused');
  const notice = await stack.services.db('notifications').where({ org_id: stack.orgId, user_id: poor.userId, kind: 'coaching.call_not_placed' }).first();
  expect(notice).toBeTruthy();
  expect(notice.payload).toMatchObject({ reason: 'balance_too_low', balance: { amountMinor: 10 }, minuteCost: { amountMinor: 20 } });
  expect(notice.payload.topUpUrl).toContain('/learn/balance');

  // On the organization's do-not-call list.
  const listed = await stack.learner({ balanceMinor: 1000 });
  const p4 = await stack.plan(listed.browser);
  await stack.services.db('coach_opt_outs').insert({ org_id: stack.orgId, phone_e164: listed.phone, via: 'staff' });
  expect(await stack.outcome(await fire(p4.id))).toMatchObject({ status: 'refused', refusal: 'opted_out' });

  expect(stack.vapi.calls.length).toBe(callsBefore);
  const listedCalls = await poor.browser.get('/api/v1/practice-calls');
  expect(listedCalls.body.data).toEqual([expect.objectContaining({ status: 'refused', refusalReason: 'balance_too_low', planId: p3.id })]);
});

test('busy is retried after the plan\'s wait, within its bound; "stop calling me" on a call withdraws consent and pauses every plan', async () => {
  const { browser, userId, phone } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser, { retryAttempts: 1, retryAfterMinutes: 5 });
  const other = await stack.plan(browser, { days: [7], time: '11:00' });
  const first = stack.vapi.calls.length;
  const workflowId = (await browser.post(`/api/v1/plans/${plan.id}/call-now`)).body.workflowId as string;

  // Attempt 1: busy. Attempt 2, 5 "minutes" later: busy again. No third.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const call = await placedCall(first + attempt);
    expect((call.assistant.metadata as { attemptKey: string }).attemptKey).toMatch(new RegExp(`:${attempt}$`));
    await stack.until(workflowId, ['in_progress']);
    stack.vapi.end(call.id, { endedReason: 'customer-busy', durationSeconds: 0 });
    await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'end-of-call-report', call);
    if (attempt === 1) await stack.until(workflowId, ['retry_wait', 'dialing', 'in_progress']);
  }
  expect(await stack.outcome(workflowId)).toMatchObject({ status: 'busy', attempts: 2 });
  await recordHistory(stack.services.temporal.workflow.getHandle(workflowId), 'practice-call-vapi-busy-retried');
  expect(stack.vapi.calls.length).toBe(first + 2);
  expect(await row(workflowId)).toMatchObject({ status: 'busy', attempts: 2, billed_minutes: 0, ended_reason: 'customer-busy' });

  // A call where the learner asks not to be called again.
  const again = (await browser.post(`/api/v1/plans/${plan.id}/call-now`)).body.workflowId as string;
  const call = await placedCall(first + 3);
  await stack.until(again, ['in_progress']);
  stack.vapi.end(call.id, {
    endedReason: 'assistant-said-end-call-phrase',
    lines: [
      { role: 'bot', text: 'Hi Deniz! How are you today?', at: 0, seconds: 2 },
      { role: 'user', text: 'Please stop calling me.', at: 3, seconds: 2 },
      { role: 'bot', text: "Understood. I won't call you again, and your practice calls are paused. Goodbye!", at: 6, seconds: 4 },
    ],
    durationSeconds: 11,
  });
  await stack.vapi.send(stack.vapiEventsUrl, VAPI_SECRET, 'end-of-call-report', call);
  expect(await stack.outcome(again)).toMatchObject({ status: 'completed' });
  await recordHistory(stack.services.temporal.workflow.getHandle(again), 'practice-call-vapi-opted-out');
  for (const p of [plan, other]) {
    expect((await browser.get(`/api/v1/plans/${p.id}`)).body).toMatchObject({ status: 'paused', pausedReason: 'consent_withdrawn' });
    expect((await stack.services.temporal.schedule.getHandle(coachPlanScheduleId(p.id)).describe()).state.paused).toBe(true);
  }
  expect((await browser.get('/api/v1/me/learner')).body.consent.status).toBe('none');
  expect(await stack.services.db('coach_opt_outs').where({ org_id: stack.orgId, phone_e164: phone }).first()).toMatchObject({ via: 'call' });
  const audit = await stack.services.db('audit_log').where({ org_id: stack.orgId, action: 'coaching.consent_withdrawn', target_id: userId }).first();
  expect(audit.metadata).toMatchObject({ via: 'call' });
  // The short call is still billed: one started minute.
  expect(await row(again)).toMatchObject({ billed_minutes: 1 });
});

test("recordings kept at Vapi are deleted there once 30 days old (the retention sweep's step), and all at once for an erasure", async () => {
  const { deleteEngineRecordings, vapiClientOf } = await import('../../src/coaching/engineRecordings');
  const rows = await stack.services.db('practice_calls').where({ org_id: stack.orgId, engine: 'vapi' }).whereNotNull('recording_ref').whereNull('recording_deleted_at');
  expect(rows.length).toBeGreaterThan(0);
  const [old] = rows;
  await stack.services.db('practice_calls').where({ id: old.id }).update({ ended_at: new Date(Date.now() - 31 * 86_400_000) });
  const vapi = vapiClientOf(stack.services.config);
  const cutoff = new Date(Date.now() - 30 * 86_400_000);
  // Without a Vapi account the promise cannot be kept: it fails rather than pass silently.
  await expect(deleteEngineRecordings({ db: stack.services.db, vapi: undefined }, stack.orgId, { before: cutoff })).rejects.toThrow(/VAPI_API_KEY is not set/);
  expect(await deleteEngineRecordings({ db: stack.services.db, vapi }, stack.orgId, { before: cutoff })).toBe(1);
  expect(stack.vapi.calls.find((c) => c.id === old.recording_ref)?.deleted).toBe(true);
  expect((await stack.services.db('practice_calls').where({ id: old.id }).first()).recording_deleted_at).not.toBeNull();
  // Each erasure asked of the processor is on record for the learner (their information request lists it).
  const erasure = await stack.services.db('audit_log').where({ org_id: stack.orgId, action: 'coaching.processor_erasure', target_id: old.user_id }).first();
  expect(erasure.metadata).toEqual({ processor: 'Vapi', practiceCallId: old.id, vapiCallId: old.recording_ref, outcome: 'deleted' });
  // Again: nothing more is due (a retried sweep deletes nothing twice).
  expect(await deleteEngineRecordings({ db: stack.services.db, vapi }, stack.orgId, { before: cutoff })).toBe(0);
  // An erasure takes the rest at once; a call Vapi no longer has counts as deleted.
  const rest = rows.length - 1;
  if (rest > 0) stack.vapi.calls.find((c) => c.id === rows[1].recording_ref)!.deleted = true;
  expect(await deleteEngineRecordings({ db: stack.services.db, vapi }, stack.orgId)).toBe(rest);
  const detail = await stack.owner.get(`/api/v1/practice-calls/${old.id}`);
  expect(detail.body.recording).toBe('deleted');
});
