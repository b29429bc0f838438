import type { Config } from '../src/config';
import type { Keyring } from '../src/crypto/keyring';
import type { Db } from '../src/db/knex';
import { dataKeysRepository } from '../src/db/repositories/dataKeys';
import type { FieldCipher } from '../src/crypto/fieldEncryption';
import type { LlmProvider } from '../src/providers/llm';
import type { TwilioProvider } from '../src/providers/twilio';
import type { BookingService } from '../src/booking/bookingService';
import type { CalendarResolver } from '../src/booking/calendars';
import { composeActivities } from './registry';
import { createAgentActivities } from './agent';
import { createBookingActivities } from './booking';
import { createCallAnalysisActivities } from './callAnalysis';
import { createCallActivities } from './calls';
import { createKeyActivities } from './keys';
import { createNotificationActivities } from './notifications';
import { createBillingActivities } from './billing';
import { createBillingCycleActivities } from './billingCycle';
import { createRetentionActivities } from './retention';
import { createDeletionActivities } from './deletion';
import { createDataRequestActivities } from './dataRequests';
import type Stripe from 'stripe';
import type { TokenSigner } from '../src/auth/tokens';
import type { EmailChannel } from '../src/notifications/channels/email';
import type { SmsChannel } from '../src/notifications/channels/sms';
import type { Notifier } from '../src/notifications/notifier';
import type { Client } from '@temporalio/client';
import type { Logger } from '../src/logger';

/** What activities are built from: one set per worker process. */
export interface ActivityDeps {
  config: Config;
  db: Db;
  keyring: Keyring;
  fields: FieldCipher;
  twilio: TwilioProvider;
  llm: LlmProvider;
  calendars: CalendarResolver;
  booking: BookingService;
  tokens: TokenSigner;
  notifier: Notifier;
  temporal: Client;
  logger: Logger;
  email?: EmailChannel;
  sms: SmsChannel;
  stripe?: Stripe;
}

/** The activity object registered with the worker: every concern's activities, built from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const billing = createBillingActivities(deps);
  return composeActivities(
    createCallActivities(deps),
    createAgentActivities({ ...deps, turnBudgetMs: deps.config.llm.turnTimeoutMs }),
    createBookingActivities(deps),
    createCallAnalysisActivities({ ...deps, llmConfigured: Boolean(deps.config.llm.apiKey) }),
    createNotificationActivities(deps),
    billing,
    createBillingCycleActivities({ ...deps, usage: billing }),
    createRetentionActivities({ ...deps, batchSize: deps.config.retention.batchSize }),
    createDeletionActivities(deps),
    createDataRequestActivities(deps),
    createKeyActivities({
      keyring: deps.keyring,
      dataKeys: dataKeysRepository(deps.db),
      currentMasterKeyId: deps.config.masterKeys.current?.id,
    }),
  );
}

export type Activities = ReturnType<typeof createActivities>;
