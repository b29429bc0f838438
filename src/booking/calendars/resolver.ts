import { createGoogleCalendar } from './google';
import { createMicrosoftCalendar } from './microsoft';
import { CalendarAuthRevokedError, type CalendarProvider, type CalendarTokens } from './provider';
import type { Config } from '../../platform/config';
import type { FieldCipher } from '../../platform/crypto/fieldEncryption';
import type { Db } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../notifications/notifier';

/** The organization's connected calendar, if any; without one the appointments table is the calendar. */
export interface CalendarResolver {
  forOrganization(orgId: string): Promise<{ connectionId: string; provider: ConnectedCalendar } | null>;
}

/** A provider whose revoked grant degrades to "no external calendar": createEvent then answers null. */
export type ConnectedCalendar = Omit<CalendarProvider, 'createEvent'> & { createEvent(...args: Parameters<CalendarProvider['createEvent']>): Promise<string | null> };

/** A connection's tokens as stored: encrypted with the organization's key. */
export async function tokenColumns(fields: FieldCipher, orgId: string, tokens: CalendarTokens) {
  return {
    refresh_token_ciphertext: await fields.encrypt(orgId, TOKEN_CONTEXTS.refresh, tokens.refreshToken),
    access_token_ciphertext: tokens.accessToken ? await fields.encrypt(orgId, TOKEN_CONTEXTS.access, tokens.accessToken) : null,
    token_expires_at: tokens.expiresAt ? new Date(tokens.expiresAt) : null,
  };
}

/** A connection that is no longer used: its tokens are erased. */
export const REVOKED_CONNECTION = { status: 'revoked', refresh_token_ciphertext: null, access_token_ciphertext: null } as const;

export type CalendarFactory = (tokens: CalendarTokens, calendarId: string, onTokens: (tokens: CalendarTokens) => Promise<void>) => CalendarProvider;

export const TOKEN_CONTEXTS = { access: 'calendar_connections.access_token', refresh: 'calendar_connections.refresh_token' } as const;

/**
 * Builds the provider of the organization's active connection from its stored (encrypted) tokens, and
 * stores refreshed tokens back. A revoked grant marks the connection broken, is audited, texted to the
 * business's number and logged, and the booking carries on in the built-in calendar: a broken calendar
 * never fails a call.
 */
export function createCalendarResolver(deps: {
  db: Db;
  fields: FieldCipher;
  logger: Logger;
  notifier: Pick<Notifier, 'notify'>;
  factories: Partial<Record<'google' | 'microsoft', CalendarFactory>>;
}): CalendarResolver {
  const { db, fields } = deps;
  return {
    async forOrganization(orgId) {
      const connection = await withTenant(db, orgId, (trx) => trx('calendar_connections').where({ status: 'active' }).orderBy('created_at', 'desc').first());
      const factory = connection ? deps.factories[connection.provider as 'google' | 'microsoft'] : undefined;
      if (!connection || !factory || !connection.refresh_token_ciphertext) return null;
      const tokens: CalendarTokens = {
        refreshToken: await fields.decrypt(orgId, TOKEN_CONTEXTS.refresh, connection.refresh_token_ciphertext),
        accessToken: connection.access_token_ciphertext ? await fields.decrypt(orgId, TOKEN_CONTEXTS.access, connection.access_token_ciphertext) : undefined,
        expiresAt: connection.token_expires_at ? new Date(connection.token_expires_at).getTime() : undefined,
      };
      const saveTokens = async (next: CalendarTokens) => {
        const values = await tokenColumns(fields, orgId, next);
        await withTenant(db, orgId, (trx) => trx('calendar_connections').where({ id: connection.id }).update({ ...values, updated_at: trx.fn.now() }));
      };
      const markBroken = async (error: Error) => {
        deps.logger.error({ orgId, connectionId: connection.id, provider: connection.provider }, 'calendar connection revoked: reconnect it; bookings use the built-in calendar meanwhile');
        const changed = await withTenant(db, orgId, async (trx) => {
          const updated = await trx('calendar_connections').where({ id: connection.id, status: 'active' }).update({ status: 'broken', last_error: error.message, updated_at: trx.fn.now() });
          if (updated === 0) return false; // another request got there first: one alert is enough
          await trx('audit_log').insert({ org_id: orgId, actor_type: 'system', action: 'calendar.connection_broken', target_type: 'calendar_connection', target_id: connection.id, metadata: JSON.stringify({ provider: connection.provider }) });
          return true;
        });
        // The business hears it from us, not from a missing booking.
        if (changed) {
          const provider = connection.provider === 'google' ? 'Google Calendar' : 'Microsoft 365 calendar';
          await deps.notifier
            .notify({ kind: 'calendar.connection_broken', orgId, payload: { provider }, to: 'org_addresses', cause: `calendar-broken:${connection.id}` })
            .catch((notifyError: Error) => deps.logger.warn({ orgId, err: notifyError.message }, 'could not send the calendar alert'));
        }
      };
      const inner = factory(tokens, connection.calendar_id, saveTokens);
      const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>, whenRevoked: R) =>
        async (...args: A): Promise<R> => {
          try {
            return await call(...args);
          } catch (error) {
            if (!(error instanceof CalendarAuthRevokedError)) throw error;
            await markBroken(error);
            return whenRevoked;
          }
        };
      return {
        connectionId: connection.id,
        provider: {
          busy: guard(inner.busy.bind(inner), []),
          createEvent: guard<Parameters<CalendarProvider['createEvent']>, string | null>(inner.createEvent.bind(inner), null),
          moveEvent: guard(inner.moveEvent.bind(inner), undefined),
          deleteEvent: guard(inner.deleteEvent.bind(inner), undefined),
        },
      };
    },
  };
}

/** Provider factories for the OAuth clients the deployment has configured. */
export function calendarFactories(config: Config['calendars']): Partial<Record<'google' | 'microsoft', CalendarFactory>> {
  const { google, microsoft } = config;
  return {
    ...(google ? { google: (tokens, calendarId, onTokens) => createGoogleCalendar({ ...google, calendarId }, tokens, onTokens) } : {}),
    // Microsoft connections always use the signed-in account's default calendar.
    ...(microsoft ? { microsoft: (tokens, _calendarId, onTokens) => createMicrosoftCalendar(microsoft, tokens, onTokens) } : {}),
  };
}
