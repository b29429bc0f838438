import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { devMailRouter } from '../../notifications/api/devMail';
import { errorHandler, notFound } from './errors';
import { requestLogging, requestMetrics } from './requestLogging';
import { opsRoutes } from './opsRoutes';
import { verifyTwilioSignature } from '../../calls/api/twilioSignature';
import { smsRoutes } from '../../notifications/api/smsReplies';
import { voiceRoutes } from '../../calls/api/voice';
import { v1Router } from './v1/router';
import { stripeWebhookRoutes } from '../../billing/api/stripeWebhook';
import { unsubscribeRoutes } from '../../notifications/api/unsubscribeRoutes';
import type { Config } from '../config';
import { devMailDir } from '../../notifications/devMailbox';
import type { Keyring } from '../crypto/keyring';
import type { BookingService } from '../../booking/bookingService';
import type { FieldCipher } from '../crypto/fieldEncryption';
import type { TokenSigner } from '../../accounts/auth/tokens';
import type { Notifier } from '../../notifications/notifier';
import type { SmsChannel } from '../../notifications/channels/sms';
import type Stripe from 'stripe';
import { codecRoutes } from '../temporal/codecServer';
import type { OrganizationPayloadCodec } from '../temporal/payloadCodec';

export interface AppDeps {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
  metrics: Metrics;
  keyring: Keyring;
  fields: FieldCipher;
  booking: BookingService;
  tokens: TokenSigner;
  notifier: Notifier;
  sms: SmsChannel;
  stripe?: Stripe;
  payloadCodec: OrganizationPayloadCodec;
}

/** The HTTP surface. Routes stay thin: validate, authorize, then read Postgres or start/signal a workflow. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Only the configured proxies may name the client (TRUST_PROXY); anyone else's X-Forwarded-For is ignored,
  // so nobody picks their own rate-limit bucket or audit IP.
  app.set('trust proxy', deps.config.http.trustProxy === false ? false : deps.config.http.trustProxy.join(', '));
  app.use(requestLogging(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use(helmet());
  app.use(opsRoutes({ ...deps, metricsAccess: { token: deps.config.http.metricsToken, open: deps.config.env === 'development' } }));
  app.use(
    '/twilio',
    express.urlencoded({ extended: false, limit: '64kb' }),
    verifyTwilioSignature(deps.config.twilio.authToken, deps.config.http.publicBaseUrl),
  );
  app.use('/twilio/voice', voiceRoutes(deps));
  app.use('/twilio/sms', smsRoutes(deps));
  app.use('/stripe', stripeWebhookRoutes(deps));
  app.use('/api/v1', v1Router(deps));
  app.use('/notifications', unsubscribeRoutes(deps));
  app.use('/codec', codecRoutes(deps));
  if (deps.config.env === 'development') app.use(devMailRouter(devMailDir(deps.config.dataDir)));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
