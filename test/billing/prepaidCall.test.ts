import { randomBytes } from 'node:crypto';
import { callWorkflowId } from '../../workflows/calls/definitions';
import { until } from '../helpers/booking';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { recordHistory } from '../helpers/histories';

/**
 * A prepaid call lasts as long as the balance pays for: warned one unit before, ended politely at the
 * next turn after. Units of 2 s here (PREPAID_UNIT_SECONDS) so the test takes seconds, not minutes.
 */
let stack: CallStack;
beforeAll(async () => {
  stack = await startCallStack({ PREPAID_UNIT_SECONDS: '2', PREPAID_PRICE_PER_UNIT_MINOR: '10' });
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ billing_mode: 'prepaid' });
});
afterAll(() => stack.close());

const credit = (amount: number) =>
  stack.services.db('balance_ledger').insert({ org_id: stack.org.id, kind: 'top_up', amount_minor: amount, currency: 'USD', idempotency_key: `topup:test-${randomBytes(4).toString('hex')}` });

test('a prepaid call is warned when its time is nearly up and ended politely when it is up; then debited', async () => {
  await credit(30); // three units: 6 s of call, the warning after 4 s
  const call = stack.call();
  await call.dial();
  stack.llm.script({ content: 'We open at eight.' });
  await call.say('When do you open?');
  expect(call.lastSaid).toEqual(['We open at eight.']);

  await new Promise((resolve) => setTimeout(resolve, 4_500));
  stack.llm.script({ content: 'Yes, on Saturdays too.' });
  await call.say('And on Saturdays?');
  expect(call.lastSaid).toEqual(['Yes, on Saturdays too.', 'Just so you know, this call is almost out of time.']);

  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const goodbye = await call.say('One more thing...');
  expect(goodbye).toContain('<Hangup/>');
  expect(call.lastSaid).toEqual(["I'm sorry, the time available for this call is up, so I have to end it here. Goodbye!"]);
  await call.status('completed', 7);
  expect(await stack.result(call)).toMatchObject({ status: 'completed' });
  await until(async () => Boolean(await stack.services.db('balance_ledger').where({ idempotency_key: `debit:${call.callSid}` }).first()), 10_000);
  // 7 s is four started units of 2 s.
  expect(await stack.services.db('balance_ledger').where({ idempotency_key: `debit:${call.callSid}` }).first('amount_minor')).toEqual({ amount_minor: '-40' });
  await recordHistory(stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)), 'call-prepaid-time-up');
});

test('with less than one unit left, no call starts', async () => {
  // The first test left the balance at -10: add 5, still not a whole unit.
  await credit(5);
  const call = stack.call();
  expect(await call.dial()).toContain('paused until the account is topped up');
});
