import { ApplicationFailure, Context } from '@temporalio/activity';
import { blockedRange, isBookableStart } from '../../src/booking/availability';
import type { CalendarResolver } from '../../src/booking/calendars/resolver';
import { spokenTime } from '../../src/booking/spokenTime';
import { APPOINTMENT_CUSTOMER_CONTEXT, APPOINTMENT_PHONE_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone, sealPhone } from '../../src/platform/crypto/phoneNumbers';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Db } from '../../src/platform/db/knex';
import { bookingRepository, isSlotTaken, serviceShape, type AppointmentRow } from '../../src/booking/repositories/booking';
import { withTenant } from '../../src/platform/db/tenancy';
import { SmsOptedOutError, type SmsChannel } from '../../src/notifications/channels/sms';
import { isPermanentTwilioError } from '../../src/platform/providers/twilio';
import type { BookingOutcome, BookingRequest } from '../../workflows/booking/definitions';

export type AppointmentText = 'confirmed' | 'reminder' | 'rescheduled' | 'cancelled';

/** Every write is keyed on the appointment id, so a retried activity changes nothing twice. */
export function createBookingActivities(deps: { db: Db; fields: FieldCipher; sms: SmsChannel; calendars: CalendarResolver; now?: () => Date }) {
  const { db, fields } = deps;
  const now = () => (deps.now ?? (() => new Date()))();
  const ok = (a: Pick<AppointmentRow, 'id' | 'starts_at' | 'ends_at'>, status: 'confirmed' | 'cancelled' = 'confirmed'): BookingOutcome => ({
    ok: true,
    appointmentId: a.id,
    start: a.starts_at.toISOString(),
    end: a.ends_at.toISOString(),
    status,
  });

  return {
    /**
     * Holds the slot: an appointment row in `held`, which the no-overlap constraint refuses when any live
     * appointment's buffered range overlaps (concurrent callers included). A start the rules would not
     * offer is refused too.
     */
    async holdAppointment(req: BookingRequest): Promise<BookingOutcome> {
      const name = await fields.encrypt(req.orgId, APPOINTMENT_CUSTOMER_CONTEXT, req.customerName);
      const phone = await sealPhone(fields, req.orgId, APPOINTMENT_PHONE_CONTEXT, req.customerE164);
      return withTenant(db, req.orgId, async (trx) => {
        const repo = bookingRepository(trx);
        const existing = await repo.appointment(req.appointmentId);
        if (existing) {
          // A retry of this very booking: answer with what became of it.
          if (existing.status === 'held' || existing.status === 'confirmed') return ok(existing);
          return failure(existing.status === 'failed' ? 'taken' : 'not_confirmed');
        }
        const service = await repo.service(req.serviceId);
        if (!service?.active) return failure('not_found', 'No such service.');
        const start = new Date(req.start);
        if (!isBookableStart(await repo.rules(), serviceShape(service), start, now())) return failure('unavailable');
        const end = new Date(start.getTime() + service.duration_minutes * 60_000);
        const blocked = blockedRange(start, serviceShape(service));
        try {
          await trx.raw('savepoint hold');
          await trx('appointments').insert({
            id: req.appointmentId,
            org_id: req.orgId,
            service_id: service.id,
            call_id: req.callId ?? null,
            customer_name_ciphertext: name,
            ...phone,
            starts_at: start,
            ends_at: end,
            blocks_from: blocked.start,
            blocks_until: blocked.end,
            status: 'held',
            source: req.source,
          });
        } catch (error) {
          if (!isSlotTaken(error)) throw error;
          await trx.raw('rollback to savepoint hold');
          return failure('taken');
        }
        return ok({ id: req.appointmentId, starts_at: start, ends_at: end });
      });
    },

    /**
     * Creates the event in the organization's connected calendar (none: the built-in calendar is the
     * appointments table itself), after checking that calendar has the time free. Idempotent: the event is
     * keyed on the appointment id.
     */
    async createCalendarEvent(input: { orgId: string; appointmentId: string }): Promise<string | null> {
      const { appointment, service, timeZone } = await load(input.orgId, input.appointmentId);
      if (appointment.external_event_id) return appointment.external_event_id;
      const calendar = await deps.calendars.forOrganization(input.orgId);
      if (!calendar) return null;
      // A retry may find the event its first attempt created: only the first attempt checks busy time.
      if (Context.current().info.attempt === 1) {
        const busy = await calendar.provider.busy(appointment.blocks_from, appointment.blocks_until);
        if (busy.length > 0) throw ApplicationFailure.nonRetryable('the slot is busy in the connected calendar', 'SlotBusyExternally');
      }
      const eventId = await calendar.provider.createEvent({
        key: appointment.id,
        start: appointment.starts_at,
        end: appointment.ends_at,
        timeZone,
        summary: `${service.name} (Callgenly)`,
        description: `Booked by phone for ${(await customerPhone(input.orgId, appointment)) ?? 'a caller'}.`,
      });
      if (!eventId) return null; // the connection broke just now: the built-in calendar holds the booking
      await withTenant(db, input.orgId, (trx) =>
        trx('appointments').where({ id: input.appointmentId }).update({ external_event_id: eventId, calendar_connection_id: calendar.connectionId, updated_at: trx.fn.now() }),
      );
      return eventId;
    },

    async confirmAppointment(input: { orgId: string; appointmentId: string }): Promise<BookingOutcome> {
      return withTenant(db, input.orgId, async (trx) => {
        await trx('appointments').where({ id: input.appointmentId, status: 'held' }).update({ status: 'confirmed', updated_at: trx.fn.now() });
        const appointment = await bookingRepository(trx).appointment(input.appointmentId);
        return appointment?.status === 'confirmed' ? ok(appointment) : failure('not_confirmed');
      });
    },

    /** Compensation and cancellation: the slot is freed at once (the calendar event goes afterwards). */
    async releaseAppointment(input: { orgId: string; appointmentId: string; status: 'failed' | 'cancelled'; reason: string }): Promise<void> {
      await withTenant(db, input.orgId, (trx) =>
        trx('appointments')
          .where({ id: input.appointmentId })
          .whereIn('status', ['held', 'confirmed'])
          .update({ status: input.status, failure_reason: input.reason, updated_at: trx.fn.now() }),
      );
    },

    /** Deletes a released appointment's event from the connected calendar (gone already: fine). */
    async deleteCalendarEvent(input: { orgId: string; appointmentId: string }): Promise<void> {
      const appointment = await withTenant(db, input.orgId, (trx) => bookingRepository(trx).appointment(input.appointmentId));
      const calendar = appointment ? await calendarHolding(input.orgId, appointment) : null;
      if (calendar) await calendar.provider.deleteEvent(appointment!.external_event_id!);
    },

    /** Puts the connected calendar's event at the appointment's current time (after a reschedule). */
    async moveCalendarEvent(input: { orgId: string; appointmentId: string }): Promise<void> {
      const { appointment, timeZone } = await load(input.orgId, input.appointmentId);
      const calendar = appointment.status === 'confirmed' ? await calendarHolding(input.orgId, appointment) : null;
      if (calendar) await calendar.provider.moveEvent(appointment.external_event_id!, { start: appointment.starts_at, end: appointment.ends_at, timeZone });
    },

    /**
     * Moves a confirmed appointment: the new time must be offered, free in the connected calendar, and
     * the no-overlap constraint refuses a taken one atomically. The calendar event follows afterwards.
     */
    async moveAppointment(input: { orgId: string; appointmentId: string; start: string }): Promise<BookingOutcome> {
      const { appointment, service } = await load(input.orgId, input.appointmentId);
      const start = new Date(input.start);
      if (appointment.starts_at.getTime() === start.getTime()) return ok(appointment); // a retry after the move
      const blocked = blockedRange(start, serviceShape(service));
      const calendar = await deps.calendars.forOrganization(input.orgId);
      if (calendar) {
        const own = (b: { start: Date; end: Date }) => b.start.getTime() === appointment.starts_at.getTime() && b.end.getTime() === appointment.ends_at.getTime();
        if ((await calendar.provider.busy(blocked.start, blocked.end)).some((b) => !own(b))) return failure('taken');
      }
      return withTenant(db, input.orgId, async (trx) => {
        if (!isBookableStart(await bookingRepository(trx).rules(), serviceShape(service), start, now())) return failure('unavailable');
        const end = new Date(start.getTime() + service.duration_minutes * 60_000);
        try {
          await trx.raw('savepoint move');
          await trx('appointments')
            .where({ id: appointment.id, status: 'confirmed' })
            .update({ starts_at: start, ends_at: end, blocks_from: blocked.start, blocks_until: blocked.end, updated_at: trx.fn.now() });
        } catch (error) {
          if (!isSlotTaken(error)) throw error;
          await trx.raw('rollback to savepoint move');
          return failure('taken');
        }
        return ok({ id: appointment.id, starts_at: start, ends_at: end });
      });
    },

    async completeAppointment(input: { orgId: string; appointmentId: string }): Promise<void> {
      await withTenant(db, input.orgId, (trx) =>
        trx('appointments').where({ id: input.appointmentId, status: 'confirmed' }).update({ status: 'completed', updated_at: trx.fn.now() }),
      );
    },

    /**
     * Texts the customer about their appointment, once per `key` (a row records each text; a crash between
     * the send and the mark can send it twice, never zero times).
     */
    async textCustomer(input: { orgId: string; appointmentId: string; kind: AppointmentText; key: string }): Promise<'sent' | 'already' | 'no-number' | 'late' | 'opted-out'> {
      const { appointment, service, timeZone, orgName, from } = await load(input.orgId, input.appointmentId);
      const to = await customerPhone(input.orgId, appointment);
      if (!to || !from) return 'no-number';
      if (input.kind === 'reminder' && appointment.starts_at <= now()) return 'late'; // delayed past the start by an outage
      const done = await withTenant(db, input.orgId, async (trx) => {
        await trx('appointment_texts').insert({ org_id: input.orgId, appointment_id: appointment.id, kind: input.key }).onConflict(['org_id', 'appointment_id', 'kind']).ignore();
        const row = await trx('appointment_texts').where({ appointment_id: appointment.id, kind: input.key }).first('status');
        return row?.status === 'sent';
      });
      if (done) return 'already';
      const when = spokenTime(appointment.starts_at, timeZone);
      const body = {
        confirmed: `${orgName}: your ${service.name} is booked for ${when}. Reply C to cancel.`,
        reminder: `${orgName}: reminder of your ${service.name} on ${when}. Reply C to cancel.`,
        rescheduled: `${orgName}: your ${service.name} has moved to ${when}. Reply C to cancel.`,
        cancelled: `${orgName}: your ${service.name} on ${when} is cancelled.`,
      }[input.kind];
      let sid: string;
      try {
        sid = await deps.sms.send({ from, to, body });
      } catch (error) {
        if (error instanceof SmsOptedOutError) return 'opted-out';
        if (isPermanentTwilioError(error)) throw ApplicationFailure.nonRetryable((error as Error).message, 'Undeliverable');
        throw error;
      }
      await withTenant(db, input.orgId, (trx) =>
        trx('appointment_texts').where({ appointment_id: appointment.id, kind: input.key }).update({ status: 'sent', message_sid: sid }),
      );
      return 'sent';
    },
  };

  /**
   * The calendar holding the appointment's event, if it is still the connected one. After a reconnect
   * the old connection's tokens are gone: its events stay where they are, and we leave them be.
   */
  async function calendarHolding(orgId: string, appointment: AppointmentRow) {
    if (!appointment.external_event_id) return null;
    const calendar = await deps.calendars.forOrganization(orgId);
    return calendar && calendar.connectionId === appointment.calendar_connection_id ? calendar : null;
  }

  function customerPhone(orgId: string, appointment: AppointmentRow) {
    return openPhone(fields, orgId, APPOINTMENT_PHONE_CONTEXT, appointment);
  }

  async function load(orgId: string, appointmentId: string) {
    return withTenant(db, orgId, async (trx) => {
      const repo = bookingRepository(trx);
      const appointment = await repo.appointment(appointmentId);
      if (!appointment) throw ApplicationFailure.nonRetryable(`appointment ${appointmentId} not found`, 'NotFound');
      const service = (await repo.service(appointment.service_id))!;
      const org = await trx('organizations').first('name', 'time_zone');
      const number = await trx('phone_numbers').orderBy('created_at').first('e164');
      return { appointment, service, timeZone: org.time_zone as string, orgName: org.name as string, from: number?.e164 as string | undefined };
    });
  }
}

const MESSAGES = {
  taken: 'That time has just been taken. Offer another slot from check_availability.',
  unavailable: 'That time is not one we offer (outside opening hours, too soon or too far ahead). Offer a slot from check_availability.',
  calendar_error: 'The calendar could not be updated, so nothing was booked. Offer to take a message.',
  not_found: 'No such appointment.',
  not_confirmed: 'That appointment is not confirmed (it is cancelled, finished or still being booked).',
};

export function failure(reason: keyof typeof MESSAGES, message = MESSAGES[reason]): BookingOutcome {
  return { ok: false, reason, message };
}

export type BookingActivities = ReturnType<typeof createBookingActivities>;
