import { randomBytes } from 'node:crypto';
import type { Services } from '../../src/services';
import { policyNoticeWorkflow } from '../../workflows/notifications/policyNotice';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { until } from '../helpers/booking';
import { runCli } from '../helpers/cli';
import { recordHistory } from '../helpers/histories';
import { freshDatabase, stack, startTestWorker, testConfig, testServices } from '../helpers/stack';

/** A policy change reaches every user once, by email, whatever their preferences: in a database of its own. */
let smtp: FakeSmtp;
let services: Services;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const users: string[] = [];

beforeAll(async () => {
  smtp = await startFakeSmtp();
  const databaseUrl = await freshDatabase();
  services = await testServices(testConfig({ DATABASE_URL: databaseUrl, SMTP_URL: smtp.url }));
  for (let i = 0; i < 5; i++) {
    const id = `usr_${randomBytes(13).toString('hex').slice(0, 26)}`;
    await services.db('users').insert({ id, email: `person${i}-${randomBytes(3).toString('hex')}@policy.test`, name: `Person ${i}` });
    users.push(id);
  }
  // Switched off in a preference saved before: a legal notice goes anyway.
  await services.db('notification_preferences').insert({ user_id: users[0], kind: 'policy.changed', email: false, sms: false });
  worker = await startTestWorker(services);
});
afterAll(async () => {
  await worker.stop();
  await services.close();
  await smtp.close();
});

const emailsAbout = (title: string) => smtp.messages.filter((m) => m.subject?.includes(title));

test('npm run notify:policy tells every user once; running it again tells nobody twice', async () => {
  const run = () =>
    runCli(
      'policyNotice',
      ['--title', 'Privacy policy update', '--effective', '2027-01-01', '--url', 'https://callgenly.test/privacy', '--summary', 'Recordings are now kept 30 days.'],
      { TEMPORAL_ADDRESS: stack.temporalAddress(), TEMPORAL_TASK_QUEUE: services.config.temporal.taskQueue },
    );
  expect(await run()).toContain('5 user(s) notified of "Privacy policy update"');
  await until(() => emailsAbout('Privacy policy update').length >= 5, 20_000);
  await run();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const mails = emailsAbout('Privacy policy update');
  expect(mails.flatMap((m) => m.envelope.to).sort()).toEqual((await services.db('users').whereIn('id', users).pluck('email')).sort());
  expect(mails[0]!.text).toContain('https://callgenly.test/privacy');
  expect(mails[0]!.text).not.toContain('Unsubscribe');
  // The change is recorded once, for the console's banner.
  expect(await services.db('policy_versions').where('title', 'Privacy policy update').select('id', 'url', 'summary')).toEqual([
    { id: expect.stringMatching(/^policy:policy-notice:2027-01-01-[0-9a-f]{8}$/), url: 'https://callgenly.test/privacy', summary: 'Recordings are now kept 30 days.' },
  ]);
});

test('users are told in batches, from where the last batch stopped', async () => {
  const handle = await services.temporal.workflow.start(policyNoticeWorkflow, {
    taskQueue: services.config.temporal.taskQueue,
    workflowId: `policy-notice:test-${randomBytes(4).toString('hex')}`,
    args: [{ notice: { title: 'Terms update', effectiveAt: '2027-02-01T00:00:00.000Z', url: 'https://callgenly.test/terms', summary: 'Clearer refunds.' }, batchSize: 2 }],
  });
  expect(await handle.result()).toEqual({ notified: 5 });
  await until(() => emailsAbout('Terms update').length >= 5, 20_000);
  const history = await handle.fetchHistory();
  expect(history.events!.filter((e) => e.activityTaskScheduledEventAttributes).length).toBe(3); // 2 + 2 + 1
  await recordHistory(handle, 'policy-notice');
});
