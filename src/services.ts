import { createBookingService } from './booking/bookingService';
import { calendarFactories, createCalendarResolver } from './booking/calendars/resolver';
import type { Config } from './platform/config';
import { loadOrCreateDevMasterKey, loadOrCreateDevSessionSecret } from './platform/crypto/devSecrets';
import { FieldCipher } from './platform/crypto/fieldEncryption';
import { Keyring } from './platform/crypto/keyring';
import { createDb } from './platform/db/knex';
import { dataKeysRepository } from './platform/crypto/dataKeysRepository';
import type { Logger } from './platform/logger';
import { createMetrics } from './platform/metrics';
import { createLlmProvider } from './platform/providers/llm';
import { connectRedis } from './platform/redis';
import { postgresLockouts, redisLockouts } from './accounts/auth/lockoutStore';
import { createTwilioProvider } from './platform/providers/twilio';
import { connectClient } from './platform/temporal/connection';
import { TokenSigner } from './accounts/auth/tokens';
import { createEmailChannel } from './notifications/channels/email';
import { createSmsChannel } from './notifications/channels/sms';
import { createNotifier } from './notifications/notifier';
import { createStripeClient } from './platform/providers/stripe';
import { OrganizationPayloadCodec } from './platform/temporal/payloadCodec';
import { PayloadPolicyWatch } from './platform/temporal/payloadPolicyWatch';

import type { Services } from './deps';
import { REGISTRY } from './domains';

export type { ActivityDeps, AppDeps, Services } from './deps';

export async function createServices(config: Config, logger: Logger): Promise<Services> {
  if (!config.database.url) throw new Error('DATABASE_URL is required');
  const masterKeys = config.masterKeys.current
    ? config.masterKeys
    : { ...config.masterKeys, current: loadOrCreateDevMasterKey(config.dataDir) };
  const sessionSecret = config.auth.sessionSecret ?? loadOrCreateDevSessionSecret(config.dataDir);
  const resolved: Config = { ...config, masterKeys, auth: { ...config.auth, sessionSecret } };
  const db = createDb(config.database.url, config.database.poolMax);
  const keyring = new Keyring(dataKeysRepository(db), masterKeys);
  const payloadCodec = new OrganizationPayloadCodec({ db, keyring, workflows: REGISTRY.workflows });
  const policyWatch = new PayloadPolicyWatch(config.database.url, payloadCodec, logger);
  await policyWatch.start();
  const temporal = await connectClient(config.temporal, (err) => logger.warn({ err: err.message }, 'Temporal not reachable yet, retrying'), payloadCodec);
  const fields = new FieldCipher(keyring);
  const twilio = createTwilioProvider(config.twilio);
  const sms = createSmsChannel({ db, twilio });
  const notifier = createNotifier({ db, temporal, taskQueue: config.temporal.taskQueue, logger });
  const calendars = createCalendarResolver({ db, fields, logger, notifier, factories: calendarFactories(config.calendars) });
  const { smtpUrl, mailFrom } = config.notifications;
  const email = smtpUrl ? createEmailChannel({ smtpUrl, from: mailFrom }) : undefined;
  const redis = config.redis.url ? await connectRedis(config.redis.url, logger) : undefined;
  return {
    config: resolved,
    logger,
    db,
    keyring,
    fields,
    temporal,
    metrics: createMetrics(),
    twilio,
    llm: createLlmProvider(config.llm),
    calendars,
    booking: createBookingService({ db, temporal, taskQueue: config.temporal.taskQueue, calendars }),
    tokens: new TokenSigner(sessionSecret),
    notifier,
    email,
    sms,
    stripe: config.stripe ? createStripeClient(config.stripe) : undefined,
    payloadCodec,
    redis,
    lockouts: redis ? redisLockouts(redis) : postgresLockouts(db),
    async close() {
      email?.close();
      await Promise.allSettled([temporal.connection.close(), db.destroy(), policyWatch.close(), redis?.quit()]);
    },
  };
}
