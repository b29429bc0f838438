import { randomBytes } from 'node:crypto';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { startFakeSmtp } from '../fakes/smtp';
import { until } from '../helpers/booking';
import { spawnChildWorker } from '../helpers/childWorker';
import { makeOrganization } from '../helpers/organizations';
import { startTestWorker, testConfig, testServices, uniqueName } from '../helpers/stack';

/**
 * The worst moment to die: the message is at the mail server, which has not yet accepted it. A real
 * server discards what it never acknowledged, so the retry (on another worker, as soon as the dead one's
 * heartbeats stop) must send it, and the recipient gets it once.
 */
test('a worker killed mid-send: the notice is sent by the retry, once', async () => {
  let inData = false;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const smtp = await startFakeSmtp({
    holdData: () => {
      if (inData) return undefined; // the retry goes straight through
      inData = true;
      return held;
    },
  });
  const env = {
    MASTER_KEY: generateMasterKeySpec(),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    SMTP_URL: smtp.url,
    TEMPORAL_TASK_QUEUE: uniqueName('tq'),
  };
  const services = await testServices(testConfig(env));
  // The first worker is a process of its own, so it can really be killed.
  const child = spawnChildWorker(env);
  let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  try {
    const org = await makeOrganization(services);
    const address = `desk-${randomBytes(4).toString('hex')}@crash.test`;
    await services.db('organizations').where({ id: org.id }).update({ notification_emails: [address], notification_e164s: [], transfer_e164: null });
    const [id] = await services.notifier.notify({ kind: 'calendar.connection_broken', orgId: org.id, payload: { provider: 'Google Calendar' }, to: 'org_addresses', cause: `crash:${org.id}` });
    const row = () => services.db('notifications').where({ id }).first();

    await until(() => inData, 90_000).catch((error) => {
      throw new Error(`the child worker never reached the send: ${error.message}\n${child.output()}`);
    });
    expect(await row()).toMatchObject({ status: 'sending', attempts: 1 });
    child.kill();
    await until(() => smtp.openSessions === 0, 10_000); // the server saw the client go
    release();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.messages).toHaveLength(0); // never acknowledged, so never delivered

    worker = await startTestWorker(services);
    await until(() => smtp.messages.length > 0, 40_000);
    await until(async () => (await row()).status === 'sent', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.envelope.to).toEqual([address]);
    expect(await row()).toMatchObject({ status: 'sent', attempts: 2 });
  } finally {
    child.kill();
    await worker?.stop();
    await services.close();
    await smtp.close();
  }
}, 180_000);
