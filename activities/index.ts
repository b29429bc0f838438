import type { Config } from '../src/platform/config';
import type { Keyring } from '../src/platform/crypto/keyring';
import type { Db } from '../src/platform/db/knex';
import { dataKeysRepository } from '../src/platform/crypto/dataKeysRepository';
import type { FieldCipher } from '../src/platform/crypto/fieldEncryption';
import type { LlmProvider } from '../src/platform/providers/llm';
import type { TwilioProvider } from '../src/platform/providers/twilio';
import type { BookingService } from '../src/booking/bookingService';
import type { CalendarResolver } from '../src/booking/calendars/resolver';
import { composeActivities } from './platform/registry';
import { createAgentActivities } from './calls/agent';
import { createBookingActivities } from './booking/booking';
import { createCallAnalysisActivities } from './calls/callAnalysis';
import { createCallActivities } from './calls/calls';
import { createKeyActivities } from './platform/keys';
import { createNotificationActivities } from './notifications/notifications';
import { createBillingActivities } from './billing/usage';
import { createBillingCycleActivities } from './billing/billingCycle';
import { createRetentionActivities } from './privacy/retention';
import { createDeletionActivities } from './privacy/deletion';
import { createDataRequestActivities } from './privacy/dataRequests';
import type Stripe from 'stripe';
import type { TokenSigner } from '../src/accounts/auth/tokens';
import type { EmailChannel } from '../src/notifications/channels/email';
import type { SmsChannel } from '../src/notifications/channels/sms';
import type { Notifier } from '../src/notifications/notifier';
import type { Client } from '@temporalio/client';
import type { Logger } from '../src/platform/logger';

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
