import { callWorkflowId } from '../../workflows/calls/definitions';
import { coachPlanScheduleId } from '../../workflows/coaching/definitions';
import { recordHistory } from '../helpers/histories';
import { startCoachStack, type CoachStack } from '../helpers/coachStack';

/**
 * The built-in engine (no Vapi account): the practice call places the call with Twilio's REST API,
 * answering-machine detection on, and the conversation runs on the receptionist's call workflow with the
 * coach's persona; a machine is hung up on and counts as voicemail, retried within the plan's bound.
 */
let stack: CoachStack;
beforeAll(async () => {
  stack = await startCoachStack();
  await stack.services.db('coach_settings').insert({ org_id: stack.orgId, engine: 'twilio', price_per_minute_minor: 20, currency: 'USD' }).onConflict('org_id').merge();
});
afterAll(() => stack.close());

async function placed(count: number) {
  for (let i = 0; i < 100 && stack.twilioRest.placed.length < count; i++) await new Promise((r) => setTimeout(r, 100));
  expect(stack.twilioRest.placed.length).toBeGreaterThanOrEqual(count);
  return stack.twilioRest.placed[count - 1]!;
}

test('the coach calls through Twilio, holds the conversation on the agent loop with its persona, and stops at once on "stop calling me"', async () => {
  const { browser, phone } = await stack.learner({ balanceMinor: 1000 });
  const prefs = await browser.patch('/api/v1/me/learner', { preferences: { correctionStyle: 'direct', speakingSpeed: 'slow', coachVoice: 'Kylie' } });
  expect(prefs.body.preferences).toEqual({ correctionStyle: 'direct', speakingSpeed: 'slow', coachVoice: 'Kylie' });
  const plan = await stack.plan(browser, { minutes: 10 });
  const before = stack.twilioRest.placed.length;
  const workflowId = (await browser.post(`/api/v1/plans/${plan.id}/call-now`)).body.workflowId as string;
  const call = await placed(before + 1);

  // What Twilio was asked: the learner from the organization's number, AMD on, our status callbacks, a time limit.
  expect(call.form).toMatchObject({ To: [phone], From: [stack.orgNumber], MachineDetection: ['Enable'], Timeout: ['25'], TimeLimit: ['660'], StatusCallback: [`${stack.publicBaseUrl}/twilio/voice/status`] });
  expect(call.form.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
  expect(call.form.Url![0]).toBe(`${stack.publicBaseUrl}/twilio/coach/answer?practice=${encodeURIComponent(workflowId)}`);
  await stack.until(workflowId, ['in_progress']);

  const { call: line, path } = stack.answer(call);
  await line.answer(path, 'human');
  expect(line.lastSaid.join(' ')).toContain("Hi Deniz, it's your English coach");
  stack.llm.script({ content: 'Great! What kind of job is the interview for?' });
  await line.say('I have an interview next week.');
  expect(line.lastSaid).toEqual(['Great! What kind of job is the interview for?']);
  // The model was the coach: its prompt and its two tools, not the receptionist's.
  const request = stack.llm.requests.at(-1)!;
  expect(request.messages[0]!.content).toContain('English conversation coach');
  // The learner's preferences: corrected at once, spoken to slowly.
  expect(request.messages[0]!.content).toContain('correct it right away');
  expect(request.messages[0]!.content).toContain('slow pace');
  expect(request.tools?.map((t) => t.function.name)).toEqual(['end_call', 'stop_calling_me']);

  // "Stop calling me": answered without the model, the call ends.
  const modelCalls = stack.llm.requests.length;
  await line.say('Actually, please stop calling me.');
  expect(line.lastSaid).toEqual(["Understood. I won't call you again, and your practice calls are paused. Goodbye!"]);
  expect(line.twiml).toContain('<Hangup/>');
  expect(stack.llm.requests.length).toBe(modelCalls);
  await line.status('completed', 95);

  expect(await stack.outcome(workflowId)).toMatchObject({ status: 'completed' });
  await recordHistory(stack.services.temporal.workflow.getHandle(workflowId), 'practice-call-twilio-opted-out');
  await recordHistory(stack.services.temporal.workflow.getHandle(callWorkflowId(call.sid)), 'call-coach-persona-opted-out');
  const pc = await stack.services.db('practice_calls').where({ workflow_id: workflowId }).first();
  expect(pc).toMatchObject({ status: 'completed', engine: 'twilio', provider_call_id: call.sid, duration_seconds: 95, billed_minutes: 2, cost_minor: '40' });
  // The transcript is the call workflow's own, in the calls the organization keeps.
  const detail = await browser.get(`/api/v1/practice-calls/${pc.id}`);
  expect(detail.body.transcript.map((l: { role: string }) => l.role)).toEqual(['coach', 'coach', 'learner', 'coach', 'learner', 'coach']);
  expect(detail.body.transcript[2].text).toBe('I have an interview next week.');
  expect((await browser.get('/api/v1/me/learner')).body.consent.status).toBe('none');
  expect((await browser.get(`/api/v1/plans/${plan.id}`)).body.status).toBe('paused');
  expect((await browser.get('/api/v1/me/learner/balance')).body.balance.amountMinor).toBe(960);
  const child = await stack.services.temporal.workflow.getHandle(callWorkflowId(call.sid)).result();
  expect(child).toMatchObject({ status: 'completed', optedOut: true });
});

test("the plan's schedule fires on its own; a machine answering is hung up on, counted as voicemail, and retried after the plan's wait", async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser, { retryAttempts: 1, retryAfterMinutes: 5 });
  const before = stack.twilioRest.placed.length;
  // The plan's schedule fires on its own: its calendar swapped for a 2-second interval, paused again once
  // it has started a run (a run still going means the next is skipped meanwhile).
  const schedule = stack.services.temporal.schedule.getHandle(coachPlanScheduleId(plan.id));
  await schedule.update((s) => ({ ...s, spec: { intervals: [{ every: '2 seconds' }] } }));
  let workflowId = '';
  for (let i = 0; i < 100 && !workflowId; i++) {
    const runs = (await schedule.describe()).info.recentActions;
    workflowId = runs[0]?.action.workflow.workflowId ?? '';
    if (!workflowId) await new Promise((r) => setTimeout(r, 100));
  }
  await schedule.pause('test: one run is enough');
  expect(workflowId).toMatch(new RegExp(`^practice-call:${plan.id}-\\d{4}-`));

  const first = await placed(before + 1);
  await stack.until(workflowId, ['in_progress']);
  const { call: machine, path } = stack.answer(first);
  await machine.answer(path, 'machine_start');
  expect(machine.twiml).toContain('<Hangup/>');
  await machine.status('completed', 12);
  await stack.until(workflowId, ['retry_wait', 'dialing', 'in_progress']);

  // The retry: nobody answers this time (Twilio's no-answer); the bound is reached.
  const second = await placed(before + 2);
  await stack.until(workflowId, ['in_progress']);
  await stack.answer(second).call.status('no-answer', 0);
  expect(await stack.outcome(workflowId)).toMatchObject({ status: 'no_answer', attempts: 2 });
  await recordHistory(stack.services.temporal.workflow.getHandle(workflowId), 'practice-call-twilio-voicemail-retried');
  const pc = await stack.services.db('practice_calls').where({ workflow_id: workflowId }).first();
  expect(pc).toMatchObject({ status: 'no_answer', attempts: 2, billed_minutes: 0 });
  expect((await browser.get('/api/v1/me/learner/balance')).body.balance.amountMinor).toBe(1000);
});

test('when the model fails, the coach says goodbye instead of taking a message, and the learner is not charged', async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser, { retryAttempts: 0 });
  const before = stack.twilioRest.placed.length;
  const workflowId = (await browser.post(`/api/v1/plans/${plan.id}/call-now`)).body.workflowId as string;
  const call = await placed(before + 1);
  await stack.until(workflowId, ['in_progress']);
  const { call: line, path } = stack.answer(call);
  await line.answer(path, 'human');
  stack.llm.script({ status: 500, error: 'the model is down' });
  await line.say('Hello, I am fine.');
  expect(line.lastSaid).toEqual(["I'm sorry, your coach can't continue right now. You won't be charged for this call, and we'll talk next time. Goodbye!"]);
  expect(line.twiml).toContain('<Hangup/>');
  await line.status('completed', 40);
  expect(await stack.outcome(workflowId)).toMatchObject({ status: 'failed' });
  expect(await stack.services.db('practice_calls').where({ workflow_id: workflowId }).first()).toMatchObject({ status: 'failed', ended_reason: 'coach-unavailable', billed_minutes: 0 });
  expect((await browser.get('/api/v1/me/learner/balance')).body.balance.amountMinor).toBe(1000);
});
