import type { Config } from '../platform/config';
import type { Tx } from '../platform/db/knex';

export interface CoachSettingsRow {
  org_id: string;
  engine: 'vapi' | 'twilio';
  price_per_minute_minor: number;
  currency: string;
  low_balance_minor: number;
  vapi_phone_number_id: string | null;
}

/**
 * A coaching organization's settings, made with the platform's defaults the first time they are needed:
 * Vapi when the platform has a Vapi key, the built-in Twilio engine otherwise; the price and currency of a
 * minute from COACH_*. Used inside the organization's tenant transaction.
 */
export async function coachSettingsOf(trx: Tx, orgId: string, config: Pick<Config, 'vapi' | 'coaching'>): Promise<CoachSettingsRow> {
  // Read first: the row exists after the first time, and a read path should not write.
  let row = (await trx('coach_settings').where({ org_id: orgId }).first()) as CoachSettingsRow | undefined;
  if (!row) {
    await trx('coach_settings')
      .insert({
        org_id: orgId,
        engine: config.vapi ? 'vapi' : 'twilio',
        price_per_minute_minor: config.coaching.pricePerMinuteMinor,
        currency: config.coaching.currency,
        low_balance_minor: config.coaching.lowBalanceMinor,
        vapi_phone_number_id: config.vapi?.phoneNumberId ?? null,
      })
      .onConflict('org_id')
      .ignore();
    row = (await trx('coach_settings').where({ org_id: orgId }).first()) as CoachSettingsRow;
  }
  return { ...row, currency: row.currency.trim() };
}
