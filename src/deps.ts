import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import type { TokenSigner } from './accounts/auth/tokens';
import type { BookingService } from './booking/bookingService';
import type { CalendarResolver } from './booking/calendars/resolver';
import type { EmailChannel } from './notifications/channels/email';
import type { SmsChannel } from './notifications/channels/sms';
import type { Notifier } from './notifications/notifier';
import type { Config } from './platform/config';
import type { FieldCipher } from './platform/crypto/fieldEncryption';
import type { Keyring } from './platform/crypto/keyring';
import type { Db } from './platform/db/knex';
import type { Logger } from './platform/logger';
import type { Metrics } from './platform/metrics';
import type { LlmProvider } from './platform/providers/llm';
import type { TwilioProvider } from './platform/providers/twilio';
import type { ExportSection, TableRule } from './platform/registration';
import type { OrganizationPayloadCodec } from './platform/temporal/payloadCodec';
import type { Redis } from './platform/redis';
import type { LockoutStore } from './accounts/auth/lockoutStore';

/** What the HTTP surface is built from: the services less the worker's own (email, calendars, the LLM); Twilio for playing recordings. */
export type AppDeps = Pick<Services, 'config' | 'db' | 'temporal' | 'logger' | 'metrics' | 'keyring' | 'fields' | 'booking' | 'tokens' | 'notifier' | 'sms' | 'stripe' | 'payloadCodec' | 'twilio' | 'lockouts' | 'redis'>;

/** What activities are built from: the services, and what the domains registered (tables, export sections). */
export type ActivityDeps = Services & { registry: { tables: readonly TableRule[]; exports: readonly ExportSection[] } };

/** What the API and the worker are built from; created once per process, closed on shutdown. */
export interface Services {
  config: Config;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  fields: FieldCipher;
  temporal: Client;
  metrics: Metrics;
  twilio: TwilioProvider;
  llm: LlmProvider;
  calendars: CalendarResolver;
  booking: BookingService;
  /** Signs the platform's own tokens (sessions, invitations, unsubscribe links) with SESSION_SECRET. */
  tokens: TokenSigner;
  notifier: Notifier;
  /** Absent when SMTP_URL is not set: email notices then fail with that reason. */
  email?: EmailChannel;
  sms: SmsChannel;
  /** Absent when STRIPE_SECRET_KEY is not set (billing off). */
  stripe?: Stripe;
  /** Encrypts organizations' workflow payloads; the client and the worker share it. */
  payloadCodec: OrganizationPayloadCodec;
  /** Present when REDIS_URL is set: rate limits and sign-in lockouts are counted there. */
  redis?: Redis;
  /** Sign-in lockouts: in Redis when it is configured, else in PostgreSQL. */
  lockouts: LockoutStore;
  close(): Promise<void>;
}

