import type { Request } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { derivedAppointmentId } from '../bookingService';
import { CalendarUnavailableError } from '../calendars/provider';
import { APPOINTMENT_CUSTOMER_CONTEXT, APPOINTMENT_PHONE_CONTEXT } from '../../platform/crypto/fieldContexts';
import { openPhone } from '../../platform/crypto/phoneNumbers';
import { newId } from '../../platform/db/ids';
import { paginateByTime } from '../../platform/db/pagination';
import { bookingRepository, type AppointmentRow, type ServiceRow } from '../repositories/booking';
import { withTenant } from '../../platform/db/tenancy';
import { bookingWorkflowId, type BookingOutcome } from '../../../workflows/booking/definitions';
import { workflowUrl, WorkflowUrl } from '../../platform/temporal/workflowLinks';
import { ApiError } from '../../platform/http/errors';
import type { AuthContext } from '../../accounts/auth/context';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { idempotencyKeyOf, idOf, iso, pageBody, pageOf, PageQuery, PhoneNumber, Timestamp } from '../../platform/http/v1/schemas';

const Service = z
  .object({
    id: z.string(),
    name: z.string(),
    durationMinutes: z.number().int(),
    bufferBeforeMinutes: z.number().int(),
    bufferAfterMinutes: z.number().int(),
    priceNote: z.string(),
    active: z.boolean(),
  })
  .meta({ id: 'Service' });
const ServiceInput = z.object({
  name: z.string().trim().min(1).max(100),
  durationMinutes: z.number().int().min(5).max(24 * 60),
  bufferBeforeMinutes: z.number().int().min(0).max(240).default(0),
  bufferAfterMinutes: z.number().int().min(0).max(240).default(0),
  priceNote: z.string().trim().max(200).default(''),
});
const toService = (s: ServiceRow): z.input<typeof Service> => ({
  id: s.id,
  name: s.name,
  durationMinutes: s.duration_minutes,
  bufferBeforeMinutes: s.buffer_before_minutes,
  bufferAfterMinutes: s.buffer_after_minutes,
  priceNote: s.price_note,
  active: s.active,
});

const LocalDate = z.iso.date().refine((d) => Math.abs(new Date(d).getUTCFullYear() - new Date().getUTCFullYear()) <= 5, 'is out of range');
const Closure = z.object({ id: z.string(), startsOn: z.string(), endsOn: z.string(), reason: z.string() }).meta({ id: 'Closure' });

const AppointmentStatus = z.enum(['held', 'confirmed', 'cancelled', 'completed', 'failed']);
const Appointment = z
  .object({
    id: z.string(),
    serviceId: z.string(),
    callId: z.string().nullable(),
    customerName: z.string().nullable(),
    customerPhone: z.string().nullable(),
    start: Timestamp,
    end: Timestamp,
    status: AppointmentStatus,
    source: z.enum(['call', 'api', 'sms']),
    externalEventId: z.string().nullable(),
    failureReason: z.string().nullable(),
    createdAt: Timestamp,
    workflowUrl: WorkflowUrl,
  })
  .meta({ id: 'Appointment' });
async function toAppointment({ fields, config }: Pick<V1Deps, 'fields' | 'config'>, a: AppointmentRow): Promise<z.input<typeof Appointment>> {
  return {
    id: a.id,
    serviceId: a.service_id,
    callId: a.call_id,
    customerName: a.customer_name_ciphertext ? await fields.decrypt(a.org_id, APPOINTMENT_CUSTOMER_CONTEXT, a.customer_name_ciphertext) : null,
    customerPhone: await openPhone(fields, a.org_id, APPOINTMENT_PHONE_CONTEXT, a),
    start: iso(a.starts_at)!,
    end: iso(a.ends_at)!,
    status: a.status,
    source: a.source,
    externalEventId: a.external_event_id,
    failureReason: a.failure_reason,
    createdAt: iso(a.created_at)!,
    workflowUrl: workflowUrl(config.temporal, bookingWorkflowId(a.id)),
  };
}

/** A workflow's refusal as an API error: the slot taken (409), a time not offered (422), gone (404). */
function orFail(outcome: BookingOutcome): Extract<BookingOutcome, { ok: true }> {
  if (outcome.ok) return outcome;
  const status = { taken: 409, unavailable: 422, calendar_error: 503, not_found: 404, not_confirmed: 409 }[outcome.reason] as 404 | 409 | 422 | 503;
  throw new ApiError(status, outcome.reason === 'not_found' ? 'not_found' : `slot_${outcome.reason}`, outcome.message.split('. Offer')[0]!);
}

/** Audits what was done to the appointment and answers with it as it now is. */
function recorded(deps: V1Deps, req: Request, auth: AuthContext, action: string, appointmentId: string) {
  return withTenant(deps.db, auth.orgId, async (trx) => {
    await audit(trx, req, auth, { action, targetType: 'appointment', targetId: appointmentId });
    return toAppointment(deps, (await bookingRepository(trx).appointment(appointmentId))!);
  });
}

const Future = z.iso.datetime({ offset: true }).refine((d) => Math.abs(new Date(d).getUTCFullYear() - new Date().getUTCFullYear()) <= 5, 'is out of range');
const serviceParams = z.object({ serviceId: idOf('svc') });
const appointmentParams = z.object({ appointmentId: idOf('appt') });

export const bookingRoutes = [
  defineRoute({
    method: 'get',
    path: '/services',
    operationId: 'listServices',
    summary: 'The services callers can book, including retired ones',
    tag: 'Booking',
    access: 'member',
    response: { schema: z.object({ data: z.array(Service) }).meta({ id: 'ServiceList' }), description: 'Every service' },
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, async (trx) => ({ data: (await bookingRepository(trx).services(true)).map(toService) })),
  }),

  defineRoute({
    method: 'post',
    path: '/services',
    operationId: 'createService',
    summary: 'Add a bookable service',
    tag: 'Booking',
    access: 'admin',
    body: ServiceInput,
    response: { status: 201, schema: Service, description: 'The new service' },
    errors: [409],
    handle: ({ auth, body, deps, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        if (await trx('services').where({ name: body.name }).first()) throw new ApiError(409, 'service_exists', 'A service with this name exists');
        const [row] = await trx('services')
          .insert({ id: newId('svc'), org_id: auth.orgId, name: body.name, duration_minutes: body.durationMinutes, buffer_before_minutes: body.bufferBeforeMinutes, buffer_after_minutes: body.bufferAfterMinutes, price_note: body.priceNote })
          .returning('*');
        await audit(trx, req, auth, { action: 'service.created', targetType: 'service', targetId: row.id });
        return toService(row);
      }),
  }),

  defineRoute({
    method: 'patch',
    path: '/services/{serviceId}',
    operationId: 'updateService',
    summary: 'Change a service; `active: false` retires it (existing appointments stay)',
    tag: 'Booking',
    access: 'admin',
    params: serviceParams,
    body: ServiceInput.partial().extend({ active: z.boolean().optional() }),
    response: { schema: Service, description: 'The service' },
    errors: [404],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const columns = { name: body.name, duration_minutes: body.durationMinutes, buffer_before_minutes: body.bufferBeforeMinutes, buffer_after_minutes: body.bufferAfterMinutes, price_note: body.priceNote, active: body.active };
        const values = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
        const [row] = await trx('services').where({ id: params.serviceId }).update({ ...values, updated_at: trx.fn.now() }).returning('*');
        if (!row) throw new ApiError(404, 'not_found', 'No such service');
        await audit(trx, req, auth, { action: 'service.updated', targetType: 'service', targetId: row.id, metadata: { fields: Object.keys(values) } });
        return toService(row);
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/closures',
    operationId: 'listClosures',
    summary: 'Days the business is closed (holidays), in its time zone',
    tag: 'Booking',
    access: 'member',
    response: { schema: z.object({ data: z.array(Closure) }).meta({ id: 'ClosureList' }), description: 'Every closure' },
    handle: ({ auth, deps }) =>
      withTenant(deps.db, auth.orgId, async (trx) => ({
        data: await trx('closures').orderBy('starts_on').select('id', trx.raw(`to_char(starts_on, 'YYYY-MM-DD') as "startsOn"`), trx.raw(`to_char(ends_on, 'YYYY-MM-DD') as "endsOn"`), 'reason'),
      })),
  }),

  defineRoute({
    method: 'post',
    path: '/closures',
    operationId: 'addClosure',
    summary: 'Close whole local days (inclusive); no slot is offered on them',
    tag: 'Booking',
    access: 'admin',
    body: z
      .object({ startsOn: LocalDate, endsOn: LocalDate, reason: z.string().trim().max(200).default('') })
      .refine((c) => c.endsOn >= c.startsOn, { message: 'must not be before startsOn', path: ['endsOn'] }),
    response: { status: 201, schema: Closure, description: 'The closure' },
    handle: ({ auth, body, deps, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const id = newId('clo');
        await trx('closures').insert({ id, org_id: auth.orgId, starts_on: body.startsOn, ends_on: body.endsOn, reason: body.reason });
        await audit(trx, req, auth, { action: 'closure.added', targetType: 'closure', targetId: id });
        return { id, startsOn: body.startsOn, endsOn: body.endsOn, reason: body.reason };
      }),
  }),

  defineRoute({
    method: 'delete',
    path: '/closures/{closureId}',
    operationId: 'removeClosure',
    summary: 'Reopen the days of a closure',
    tag: 'Booking',
    access: 'admin',
    params: z.object({ closureId: idOf('clo') }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        if ((await trx('closures').where({ id: params.closureId }).delete()) === 0) throw new ApiError(404, 'not_found', 'No such closure');
        await audit(trx, req, auth, { action: 'closure.removed', targetType: 'closure', targetId: params.closureId });
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/availability',
    operationId: 'getAvailability',
    summary: "Free slots for a service (the connected calendar's busy time included), at most 14 days at once",
    tag: 'Booking',
    access: 'member',
    query: z
      .object({ serviceId: idOf('svc'), from: Future, to: Future })
      .refine((q) => new Date(q.from) < new Date(q.to), { message: 'must be after from', path: ['to'] })
      .refine((q) => new Date(q.to).getTime() - new Date(q.from).getTime() <= 14 * 86_400_000, { message: 'must be at most 14 days after from', path: ['to'] }),
    response: { schema: z.object({ serviceId: z.string(), timeZone: z.string(), slots: z.array(z.object({ start: Timestamp, local: z.string() })) }).meta({ id: 'Availability' }), description: 'Free slot starts' },
    errors: [404, 503],
    async handle({ auth, deps, query }) {
      const found = await deps.booking
        .slots(auth.orgId, query.serviceId, { start: new Date(query.from), end: new Date(query.to) }, 500)
        .catch((error: unknown) => {
          if (error instanceof CalendarUnavailableError) throw new ApiError(503, 'calendar_unavailable', 'The connected calendar did not answer; try again shortly');
          throw error;
        });
      if (!found) throw new ApiError(404, 'not_found', 'No such service');
      const { time_zone: timeZone } = await withTenant(deps.db, auth.orgId, (trx) => trx('organizations').first('time_zone'));
      return { serviceId: query.serviceId, timeZone, slots: found.slots.map((s) => ({ start: s.toISOString(), local: DateTime.fromJSDate(s, { zone: timeZone }).toISO({ suppressMilliseconds: true })! })) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/appointments',
    operationId: 'listAppointments',
    summary: 'Appointments, newest booked first (customer names decrypted)',
    tag: 'Booking',
    access: 'member',
    query: PageQuery.extend({ status: AppointmentStatus.optional(), from: Future.optional(), to: Future.optional() }),
    response: { schema: pageOf(Appointment, 'AppointmentPage'), description: 'A page of appointments' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const q = trx('appointments').select('*');
        if (query.status) q.where({ status: query.status });
        if (query.from) q.where('starts_at', '>=', new Date(query.from));
        if (query.to) q.where('starts_at', '<', new Date(query.to));
        // By booking time: ids of bookings made on a call are hashes, not time-ordered.
        const page = await paginateByTime<AppointmentRow & Record<string, unknown>>(q, { timeColumn: 'created_at', idColumn: 'id', cursor: query.cursor, limit: query.limit });
        return pageBody(page, (a) => toAppointment(deps, a));
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/appointments/{appointmentId}',
    operationId: 'getAppointment',
    summary: 'One appointment',
    tag: 'Booking',
    access: 'member',
    params: appointmentParams,
    response: { schema: Appointment, description: 'The appointment' },
    errors: [404],
    handle: ({ auth, deps, params }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const found = await bookingRepository(trx).appointment(params.appointmentId);
        if (!found) throw new ApiError(404, 'not_found', 'No such appointment');
        return toAppointment(deps, found);
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/appointments',
    operationId: 'bookAppointment',
    summary: 'Book an offered slot (runs the booking workflow; answers once confirmed). Send an Idempotency-Key header to make retries safe: the same key is the same booking',
    tag: 'Booking',
    access: 'admin',
    body: z.object({
      serviceId: idOf('svc'),
      start: Future,
      customerName: z.string().trim().min(1).max(200),
      customerPhone: PhoneNumber,
    }),
    response: { status: 201, schema: Appointment, description: 'The confirmed appointment' },
    errors: [404, 409, 422, 503],
    async handle({ auth, body, deps, req }) {
      const key = idempotencyKeyOf(req);
      const appointmentId = key ? derivedAppointmentId(auth.orgId, key) : undefined;
      const booked = orFail(await deps.booking.book(auth.orgId, { appointmentId, serviceId: body.serviceId, start: new Date(body.start).toISOString(), customerName: body.customerName, customerE164: body.customerPhone, source: 'api' }));
      return recorded(deps, req, auth, 'appointment.booked', booked.appointmentId);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/appointments/{appointmentId}/cancel',
    operationId: 'cancelAppointment',
    summary: 'Cancel: the slot is freed, the calendar event deleted and the customer texted',
    tag: 'Booking',
    access: 'admin',
    params: appointmentParams,
    body: z.object({ reason: z.string().trim().max(200).default('cancelled by the business') }),
    response: { schema: Appointment, description: 'The cancelled appointment' },
    errors: [404, 409],
    async handle({ auth, body, deps, params, req }) {
      orFail(await deps.booking.cancel(auth.orgId, params.appointmentId, body.reason));
      return recorded(deps, req, auth, 'appointment.cancelled', params.appointmentId);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/appointments/{appointmentId}/reschedule',
    operationId: 'rescheduleAppointment',
    summary: 'Move to another offered slot: the calendar event moves and the customer is texted',
    tag: 'Booking',
    access: 'admin',
    params: appointmentParams,
    body: z.object({ start: Future }),
    response: { schema: Appointment, description: 'The moved appointment' },
    errors: [404, 409, 422],
    async handle({ auth, body, deps, params, req }) {
      orFail(await deps.booking.reschedule(auth.orgId, params.appointmentId, new Date(body.start)));
      return recorded(deps, req, auth, 'appointment.rescheduled', params.appointmentId);
    },
  }),
];
