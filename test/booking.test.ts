import { DateTime } from 'luxon';
import { APPOINTMENT_CUSTOMER_CONTEXT } from '../src/crypto/fieldContexts';
import { newId } from '../src/db/ids';
import { withTenant } from '../src/db/tenancy';
import { bookingStateQuery, bookingWorkflowId } from '../workflows/bookingDefinitions';
import { startCallStack, type CallStack } from './helpers/callStack';
import { makeOrganization } from './helpers/organizations';

let stack: CallStack;
beforeAll(async () => {
  stack = await startCallStack();
});
afterAll(() => stack.close());

const ALL_WEEK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '00:00', close: '24:00' }]]));

/** A service in an organization open around the clock, so tests can book close to now. */
async function openAllWeek(orgId: string, settings: Record<string, unknown> = {}) {
  await stack.services.db('organizations').where({ id: orgId }).update({
    business_hours: JSON.stringify(ALL_WEEK),
    booking_min_notice_minutes: 0,
    booking_slot_step_minutes: 5,
    ...settings,
  });
  const serviceId = newId('svc');
  await withTenant(stack.services.db, orgId, (trx) =>
    trx('services').insert({ id: serviceId, org_id: orgId, name: `Cleaning ${serviceId.slice(-6)}`, duration_minutes: 30, buffer_after_minutes: 10 }),
  );
  return serviceId;
}

/** The first 5-minute boundary at least `minutes` from now (a slot the rules offer). */
function slotIn(minutes: number): Date {
  const t = Date.now() + minutes * 60_000;
  return new Date(Math.ceil(t / 300_000) * 300_000);
}

async function liveAppointments(orgId: string) {
  return withTenant(stack.services.db, orgId, (trx) => trx('appointments').whereIn('status', ['held', 'confirmed']));
}

test('20 concurrent attempts at the same slot yield exactly one appointment', async () => {
  const org = await makeOrganization(stack.services);
  const serviceId = await openAllWeek(org.id);
  const start = slotIn(24 * 60);
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      stack.services.booking.book(org.id, { serviceId, start: start.toISOString(), customerName: `Caller ${i}`, customerE164: `+1415555${String(2000 + i)}`, source: 'api' }),
    ),
  );
  expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
  expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && o.reason)).toEqual(Array(19).fill('taken'));
  const live = await liveAppointments(org.id);
  expect(live).toHaveLength(1);
  expect(live[0]).toMatchObject({ status: 'confirmed', starts_at: start });
  // The buffer counts too: a booking starting inside the first one's 10-minute buffer is refused.
  const inBuffer = await stack.services.booking.book(org.id, { serviceId, start: new Date(start.getTime() + 35 * 60_000).toISOString(), customerName: 'Late', customerE164: '+14155553000', source: 'api' });
  expect(inBuffer).toMatchObject({ ok: false, reason: 'taken' });
  expect(live[0].customer_name_ciphertext.toString('latin1')).not.toContain('Caller');
  expect(await stack.services.fields.decrypt(org.id, APPOINTMENT_CUSTOMER_CONTEXT, live[0].customer_name_ciphertext)).toMatch(/^Caller \d+$/);
});

test('a booking is confirmed by text, reminded on time, moved and cancelled; each text once', async () => {
  const org = await makeOrganization(stack.services);
  const start = slotIn(2);
  const lead = Math.floor((start.getTime() - Date.now()) / 1000) - 4; // a reminder due in about 4 s
  const serviceId = await openAllWeek(org.id, { reminder_offsets_seconds: `{${lead}}` });
  const customer = '+14155554321';
  const sent = () => stack.twilioRest.messages.filter((m) => m.To === customer && m.Body.startsWith(org.name));

  const booked = await stack.services.booking.book(org.id, { serviceId, start: start.toISOString(), customerName: 'Ada', customerE164: customer, source: 'api' });
  expect(booked).toMatchObject({ ok: true, status: 'confirmed', start: start.toISOString() });
  const appointmentId = booked.ok ? booked.appointmentId : '';
  const handle = stack.services.temporal.workflow.getHandle(bookingWorkflowId(appointmentId));
  const local = DateTime.fromJSDate(start, { zone: 'America/New_York' }).toFormat("cccc d LLLL 'at' h:mm a");

  await until(() => sent().some((m) => m.Body.includes('reminder')), 15_000);
  expect(sent().map((m) => m.Body)).toEqual([
    `${org.name}: your ${(await service(org.id, serviceId)).name} is booked for ${local}. Reply C to cancel.`,
    `${org.name}: reminder of your ${(await service(org.id, serviceId)).name} on ${local}. Reply C to cancel.`,
  ]);

  const later = new Date(start.getTime() + 60 * 60_000);
  const moved = await stack.services.booking.reschedule(org.id, appointmentId, later);
  expect(moved).toMatchObject({ ok: true, start: later.toISOString() });
  expect((await liveAppointments(org.id))[0].starts_at).toEqual(later);
  await until(() => sent().some((m) => m.Body.includes('has moved')), 10_000);

  // Another organization cannot touch it.
  const other = await makeOrganization(stack.services);
  expect(await stack.services.booking.cancel(other.id, appointmentId, 'nope')).toMatchObject({ ok: false, reason: 'not_found' });

  expect(await stack.services.booking.cancel(org.id, appointmentId, 'changed plans')).toMatchObject({ ok: true, status: 'cancelled' });
  expect(await handle.result()).toEqual({ state: 'cancelled' });
  expect(await liveAppointments(org.id)).toEqual([]);
  expect(sent().filter((m) => m.Body.includes('is cancelled'))).toHaveLength(1);
  expect(sent()).toHaveLength(4);
  expect(await handle.query(bookingStateQuery)).toMatchObject({ state: 'cancelled' });
});

async function service(orgId: string, id: string) {
  return withTenant(stack.services.db, orgId, (trx) => trx('services').where({ id }).first());
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
