import { randomBytes } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { newId } from '../../src/platform/db/ids';
import { callStatusSignal, callWorkflowId, turnUpdate, type CallStart } from '../../workflows/calls/definitions';
import { startStripeRecorder } from '../fakes/stripeRecorder';
import { until } from '../helpers/booking';
import { spawnChildWorker } from '../helpers/childWorker';
import { makeOrganization } from '../helpers/organizations';
import { stack, startTestWorker, testConfig, testServices, uniqueName } from '../helpers/stack';

/**
 * The worst moment to die while billing a call: its batch's meter event is at Stripe, whose answer never
 * reaches the worker. The retry (on another worker, as soon as the dead one's heartbeats stop) must send the
 * same event under the same identifier and idempotency key (the batch's id), which Stripe counts once, and
 * then mark the usage.
 */
test('a worker killed while Stripe takes the meter event: the retry reports the same event, the usage is marked once', async () => {
  const stripe = await startStripeRecorder(stack.stripeUrl());
  const env = {
    MASTER_KEY: generateMasterKeySpec(),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TEMPORAL_TASK_QUEUE: uniqueName('tq'),
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_URL: stripe.url,
  };
  const services = await testServices(testConfig(env));
  const child = spawnChildWorker(env);
  let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  try {
    const org = await makeOrganization(services);
    const held = stripe.holdNext('/v1/billing/meter_events');
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const start: CallStart = {
      callSid,
      callId: newId('call'),
      orgId: org.id,
      direction: 'inbound',
      from: '+14155550111',
      to: '+14155550100',
      greeting: 'Hello!',
      recording: { enabled: false, announcement: '' },
      agentDeadlineMs: 8_000,
      statusCheckAfterMs: 600_000,
    };
    // The call as Twilio would drive it: answered, then over after 95 s.
    await services.temporal.workflow.executeUpdateWithStart(turnUpdate, {
      args: [{ kind: 'answer' }],
      updateId: 'answer',
      startWorkflowOperation: new WithStartWorkflowOperation('callWorkflow', { workflowId: callWorkflowId(callSid), taskQueue: env.TEMPORAL_TASK_QUEUE, args: [start], workflowIdConflictPolicy: 'USE_EXISTING' }),
    });
    await services.temporal.workflow.getHandle(callWorkflowId(callSid)).signal(callStatusSignal, { status: 'completed', durationSeconds: 95, sequence: 1 });

    await Promise.race([held.arrived, until(() => false, 90_000)]).catch((error) => {
      throw new Error(`the child worker never reached Stripe: ${error.message}\n${child.output()}`);
    });
    child.kill();
    held.release(); // Stripe answers a worker that is gone
    const usage = () => services.db('usage_records').where({ call_sid: callSid });
    expect(await usage()).toEqual([expect.objectContaining({ billable_seconds: 95, reported_at: null, batch_id: expect.stringMatching(/^ubat_/) })]);
    const { batch_id: batchId } = (await usage())[0];

    worker = await startTestWorker(services);
    await until(async () => (await usage())[0].reported_at !== null, 40_000);
    const attempts = stripe.requests.filter((r) => r.path === '/v1/billing/meter_events');
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.idempotencyKey).toBe(batchId);
      expect(Object.fromEntries(attempt.form)).toMatchObject({ identifier: batchId, 'payload[value]': '95' });
    }
    expect(Object.fromEntries(attempts[1]!.form)).toEqual(Object.fromEntries(attempts[0]!.form));
    expect(await usage()).toEqual([expect.objectContaining({ batch_id: batchId })]);
    expect(await services.db('usage_batches').where({ org_id: org.id })).toEqual([expect.objectContaining({ id: batchId, calls: 1, reported_at: expect.any(Date) })]);
    expect(await services.temporal.workflow.getHandle(callWorkflowId(callSid)).result()).toMatchObject({ status: 'completed' });
  } finally {
    child.kill();
    await worker?.stop();
    await services.close();
    await stripe.close();
  }
}, 180_000);
