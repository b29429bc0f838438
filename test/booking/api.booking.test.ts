import request from 'supertest';
import { createApp } from '../../src/app';
import { withTenant } from '../../src/platform/db/tenancy';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { apiKeyFor, makeOrganization } from '../helpers/organizations';

let stack: CallStack;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  stack = await startCallStack();
  app = createApp(stack.services);
});
afterAll(() => stack.close());

function client(key: string) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${key}`);
  return {
    get: (path: string) => auth(request(app).get(`/api/v1${path}`)),
    post: (path: string, body: object = {}) => auth(request(app).post(`/api/v1${path}`)).send(body),
    patch: (path: string, body: object) => auth(request(app).patch(`/api/v1${path}`)).send(body),
    delete: (path: string) => auth(request(app).delete(`/api/v1${path}`)),
  };
}

test('admins set up services, hours, rules and closures, and book, move and cancel appointments; another tenant gets 404', async () => {
  const org = await makeOrganization(stack.services);
  const api = client(await apiKeyFor(stack.services, org.id));

  const settings = await api.patch('/organization', {
    businessHours: { mon: [{ open: '09:00', close: '17:00' }], tue: [{ open: '09:00', close: '17:00' }], wed: [{ open: '09:00', close: '17:00' }], thu: [{ open: '09:00', close: '17:00' }], fri: [{ open: '09:00', close: '17:00' }] },
    bookingMinNoticeMinutes: 120,
    bookingSlotStepMinutes: 30,
    reminderOffsetsMinutes: [1440, 60],
  });
  expect(settings.status).toBe(200);
  expect(settings.body).toMatchObject({ bookingMinNoticeMinutes: 120, bookingSlotStepMinutes: 30, reminderOffsetsMinutes: [1440, 60], bookingHorizonDays: 60 });
  expect((await api.patch('/organization', { bookingSlotStepMinutes: 1 })).body.error.field).toBe('bookingSlotStepMinutes');

  const created = await api.post('/services', { name: 'Whitening', durationMinutes: 60, bufferAfterMinutes: 15, priceNote: 'from $200' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ name: 'Whitening', durationMinutes: 60, bufferBeforeMinutes: 0, bufferAfterMinutes: 15, active: true });
  expect((await api.post('/services', { name: 'Whitening', durationMinutes: 30 })).status).toBe(409);
  expect((await api.post('/services', { name: 'Too short', durationMinutes: 2 })).body.error.field).toBe('durationMinutes');
  const serviceId = created.body.id as string;

  // Next Monday to Wednesday in New York; Tuesday is a holiday.
  const monday = nextMonday();
  const tuesday = plusDays(monday, 1);
  const closure = await api.post('/closures', { startsOn: tuesday, endsOn: tuesday, reason: 'Staff training' });
  expect(closure.status).toBe(201);
  expect((await api.post('/closures', { startsOn: tuesday, endsOn: monday })).body.error.field).toBe('endsOn');
  expect((await api.get('/closures')).body.data).toEqual([{ id: closure.body.id, startsOn: tuesday, endsOn: tuesday, reason: 'Staff training' }]);

  const window = `serviceId=${serviceId}&from=${monday}T00:00:00-05:00&to=${plusDays(monday, 3)}T00:00:00-05:00`;
  const availability = await api.get(`/availability?${window}`);
  expect(availability.status).toBe(200);
  const slots = availability.body.slots as Array<{ start: string; local: string }>;
  const days = new Set(slots.map((s) => s.local.slice(0, 10)));
  expect([...days].sort()).toEqual([monday, plusDays(monday, 2)]); // no Tuesday
  expect(slots[0]!.local).toMatch(/T09:00:00-0[45]:00$/);
  expect(slots.filter((s) => s.local.startsWith(monday))).toHaveLength(15); // 09:00 … 16:00 every 30 min
  expect((await api.get(`/availability?serviceId=${serviceId}&from=${monday}T00:00:00Z&to=${plusDays(monday, 30)}T00:00:00Z`)).body.error.field).toBe('to');

  const booked = await api.post('/appointments', { serviceId, start: slots[0]!.start, customerName: 'Ada Lovelace', customerPhone: '(415) 555-0123' });
  expect(booked.status).toBe(201);
  expect(booked.body).toMatchObject({ status: 'confirmed', customerName: 'Ada Lovelace', customerPhone: '+14155550123', start: slots[0]!.start, source: 'api' });
  const id = booked.body.id as string;
  const again = await api.post('/appointments', { serviceId, start: slots[0]!.start, customerName: 'Alan', customerPhone: '4155550124' });
  expect([again.status, again.body.error.code]).toEqual([409, 'slot_taken']);
  const offHours = await api.post('/appointments', { serviceId, start: `${monday}T20:00:00-05:00`, customerName: 'Alan', customerPhone: '4155550124' });
  expect([offHours.status, offHours.body.error.code]).toEqual([422, 'slot_unavailable']);
  // The buffer keeps 10:00 busy (09:00 + 60 min + 15 min), so it is no longer offered.
  const after = (await api.get(`/availability?${window}`)).body.slots.map((s: { local: string }) => s.local.slice(11, 16));
  expect(after.slice(0, 2)).toEqual(['10:30', '11:00']);

  const moved = await api.post(`/appointments/${id}/reschedule`, { start: slots[6]!.start });
  expect(moved.body).toMatchObject({ status: 'confirmed', start: slots[6]!.start });
  expect((await api.post(`/appointments/${id}/reschedule`, { start: `${tuesday}T10:00:00-05:00` })).status).toBe(422);

  const other = client(await apiKeyFor(stack.services, (await makeOrganization(stack.services)).id));
  for (const res of [
    await other.get(`/appointments/${id}`),
    await other.post(`/appointments/${id}/cancel`),
    await other.post(`/appointments/${id}/reschedule`, { start: slots[8]!.start }),
    await other.patch(`/services/${serviceId}`, { active: false }),
    await other.delete(`/closures/${closure.body.id}`),
    await other.get(`/availability?${window}`),
  ]) {
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('Ada');
  }
  expect((await other.get('/appointments')).body.data).toEqual([]);

  const cancelled = await api.post(`/appointments/${id}/cancel`, { reason: 'patient called' });
  expect(cancelled.body).toMatchObject({ status: 'cancelled', failureReason: 'patient called' });
  expect((await api.post(`/appointments/${id}/cancel`)).status).toBe(409);
  expect((await api.get('/appointments?status=cancelled')).body.data.map((a: { id: string }) => a.id)).toEqual([id]);
  const keyed = (body: object) => api.post('/appointments', body).set('Idempotency-Key', 'grace-booking-1');
  const second = await keyed({ serviceId, start: slots[10]!.start, customerName: 'Grace', customerPhone: '4155550125' });
  const retried = await keyed({ serviceId, start: slots[10]!.start, customerName: 'Grace', customerPhone: '4155550125' });
  expect([second.status, retried.status, retried.body.id]).toEqual([201, 201, second.body.id]); // a retry is the same booking
  const first = await api.get('/appointments?limit=1');
  expect(first.body.data.map((a: { id: string }) => a.id)).toEqual([second.body.id]); // newest booked first
  expect((await api.get(`/appointments?limit=1&cursor=${first.body.nextCursor}`)).body.data.map((a: { id: string }) => a.id)).toEqual([id]);
  expect((await api.get(`/appointments/${id}`)).body.status).toBe('cancelled');

  expect((await api.patch(`/services/${serviceId}`, { active: false })).body.active).toBe(false);
  expect((await api.get(`/availability?${window}`)).status).toBe(404);
  expect((await api.delete(`/closures/${closure.body.id}`)).status).toBe(204);

  const actions = await withTenant(stack.services.db, org.id, (trx) => trx('audit_log').orderBy('id').pluck('action'));
  expect(actions).toEqual(expect.arrayContaining(['service.created', 'closure.added', 'appointment.booked', 'appointment.rescheduled', 'appointment.cancelled', 'service.updated', 'closure.removed']));
});

/** The ISO date of the Monday at least 7 days from now. */
function nextMonday(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7));
  return d.toISOString().slice(0, 10);
}

function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
