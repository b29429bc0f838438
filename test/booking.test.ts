import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DateTime } from 'luxon';
import { APPOINTMENT_CUSTOMER_CONTEXT } from '../src/crypto/fieldContexts';
import { withTenant } from '../src/db/tenancy';
import { bookingStateQuery, bookingWorkflowId } from '../workflows/bookingDefinitions';
import { startCallStack, type CallStack } from './helpers/callStack';
import { openAllWeek, slotIn, until } from './helpers/booking';
import { makeOrganization } from './helpers/organizations';

let stack: CallStack;
beforeAll(async () => {
  stack = await startCallStack();
});
afterAll(() => stack.close());

async function liveAppointments(orgId: string) {
  return withTenant(stack.services.db, orgId, (trx) => trx('appointments').whereIn('status', ['held', 'confirmed']));
}

test('20 concurrent attempts at the same slot yield exactly one appointment', async () => {
  const org = await makeOrganization(stack.services);
  const serviceId = await openAllWeek(stack.services, org.id);
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
  const serviceId = await openAllWeek(stack.services, org.id, { reminder_offsets_seconds: `{${lead}}` });
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
  if (process.env.RECORD_HISTORIES) {
    writeFileSync(path.join(__dirname, 'histories', 'booking-reminded-moved-cancelled.json'), historyToJSON(await handle.fetchHistory()));
  }
});

async function service(orgId: string, id: string) {
  return withTenant(stack.services.db, orgId, (trx) => trx('services').where({ id }).first());
}
