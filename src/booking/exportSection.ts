import { APPOINTMENT_CUSTOMER_CONTEXT, APPOINTMENT_PHONE_CONTEXT } from '../platform/crypto/fieldContexts';
import { phoneIn } from '../platform/crypto/phoneNumbers';
import type { ExportContext, ExportSection } from '../platform/registration';
import { toCsv } from '../privacy/csv';

const APPOINTMENT_COLUMNS = ['id', 'service', 'customerName', 'customerPhone', 'startsAt', 'endsAt', 'status', 'callId'];

/** Appointments with the customer's decrypted name, and (for the organization) its services. */
export const bookingExport: ExportSection = {
  scopes: ['organization', 'caller'],
  async build({ db, orgId, scope, decrypt, phone, caller, withheld }: ExportContext) {
    const rows: Array<Record<string, any>> = await db('appointments as a')
      .join('services as s', 's.id', 'a.service_id')
      .where('a.org_id', orgId)
      .modify((q) => void (caller && q.where(phoneIn(caller, 'a.customer_e164'))))
      .modify(withheld.excludingCallers('exports', ['a.customer_e164']))
      .modify(withheld.excludingCallsOfLimitedCallers(db, orgId, 'exports', 'a.call_id'))
      .orderBy('a.starts_at')
      .select('a.*', 's.name as service');
    const appointments = await Promise.all(
      rows.map(async (a) => ({
        id: a.id,
        service: a.service,
        customerName: await decrypt(APPOINTMENT_CUSTOMER_CONTEXT, a.customer_name_ciphertext),
        customerPhone: await phone(APPOINTMENT_PHONE_CONTEXT, a),
        startsAt: a.starts_at,
        endsAt: a.ends_at,
        status: a.status,
        callId: a.call_id,
      })),
    );
    const json: Record<string, unknown> = { 'appointments.json': appointments };
    if (scope.scope === 'organization') json['services.json'] = await db('services').where({ org_id: orgId }).select('id', 'name', 'duration_minutes', 'price_note', 'active');
    return { json, csv: { 'appointments.csv': toCsv(APPOINTMENT_COLUMNS, appointments) } };
  },
};
