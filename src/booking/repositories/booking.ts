import type { BookingRules, Interval, ServiceShape } from '../availability';
import type { Tx } from '../../platform/db/knex';
import type { OrganizationRow } from '../../accounts/repositories/organizations';
import { phoneIn, type PhoneMatch } from '../../platform/crypto/phoneNumbers';

/** Booking's tables, read and written inside `withTenant` (row-level security scopes every query). */

export interface ServiceRow {
  id: string;
  name: string;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  price_note: string;
  active: boolean;
  created_at: Date;
}

export interface AppointmentRow {
  id: string;
  org_id: string;
  service_id: string;
  calendar_connection_id: string | null;
  call_id: string | null;
  customer_name_ciphertext: Buffer | null;
  /** The customer's number: see openPhone (src/platform/crypto/phoneNumbers.ts). */
  customer_e164: string | null;
  customer_e164_ciphertext: Buffer | null;
  starts_at: Date;
  ends_at: Date;
  blocks_from: Date;
  blocks_until: Date;
  status: 'held' | 'confirmed' | 'cancelled' | 'completed' | 'failed';
  external_event_id: string | null;
  source: 'call' | 'api' | 'sms';
  failure_reason: string | null;
  created_at: Date;
}

export const serviceShape = (s: ServiceRow): ServiceShape => ({
  durationMinutes: s.duration_minutes,
  bufferBeforeMinutes: s.buffer_before_minutes,
  bufferAfterMinutes: s.buffer_after_minutes,
});

/** A service by what a caller calls it: exact name first, then a name containing the words (or contained in them). */
export function serviceNamed(services: ServiceRow[], name: string): ServiceRow | undefined {
  const wanted = name.trim().toLowerCase();
  return (
    services.find((s) => s.name.toLowerCase() === wanted) ??
    services.find((s) => s.name.toLowerCase().includes(wanted) || wanted.includes(s.name.toLowerCase()))
  );
}

/** PostgreSQL's exclusion_violation: the no-overlap constraint refused a booking. */
const EXCLUSION_VIOLATION = '23P01';
export const isSlotTaken = (error: unknown) => (error as { code?: string }).code === EXCLUSION_VIOLATION;

export function bookingRepository(trx: Tx) {
  return {
    async rules(): Promise<BookingRules> {
      const org = await trx<OrganizationRow>('organizations').first();
      if (!org) throw new Error('organization not found');
      const closures = await trx('closures').select(trx.raw(`to_char(starts_on, 'YYYY-MM-DD') as "startsOn"`), trx.raw(`to_char(ends_on, 'YYYY-MM-DD') as "endsOn"`));
      return {
        timeZone: org.time_zone,
        businessHours: org.business_hours,
        closures,
        minNoticeMinutes: org.booking_min_notice_minutes,
        horizonDays: org.booking_horizon_days,
        slotStepMinutes: org.booking_slot_step_minutes,
      };
    },

    services(includeInactive = false): Promise<ServiceRow[]> {
      const q = trx<ServiceRow>('services').orderBy('name');
      return includeInactive ? q : q.where({ active: true });
    },

    service(id: string): Promise<ServiceRow | undefined> {
      return trx<ServiceRow>('services').where({ id }).first();
    },

    /** Ranges live appointments keep busy (buffers included) overlapping [from, to), except `exceptId`'s. */
    async busy(from: Date, to: Date, exceptId?: string): Promise<Interval[]> {
      const q = trx('appointments')
        .whereIn('status', ['held', 'confirmed'])
        .where('blocks_from', '<', to)
        .where('blocks_until', '>', from)
        .select('blocks_from as start', 'blocks_until as end');
      if (exceptId) q.whereNot({ id: exceptId });
      return q;
    },

    appointment(id: string): Promise<AppointmentRow | undefined> {
      return trx<AppointmentRow>('appointments').where({ id }).first();
    },

    /** The caller's next live appointment starting at `start` (exact instant), if any. */
    appointmentOf(customer: PhoneMatch, start: Date): Promise<AppointmentRow | undefined> {
      return trx<AppointmentRow>('appointments').where(phoneIn(customer, 'customer_e164')).where({ starts_at: start }).whereIn('status', ['held', 'confirmed']).first();
    },

    /** The caller's soonest upcoming confirmed appointment (for an SMS reply). */
    nextAppointmentOf(customer: PhoneMatch, after: Date): Promise<AppointmentRow | undefined> {
      return trx<AppointmentRow>('appointments').where(phoneIn(customer, 'customer_e164')).where({ status: 'confirmed' }).where('starts_at', '>', after).orderBy('starts_at').first();
    },
  };
}
