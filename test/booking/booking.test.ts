import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { APPOINTMENT_CUSTOMER_CONTEXT, APPOINTMENT_PHONE_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { withTenant } from '../../src/platform/db/tenancy';
import { bookingStateQuery, bookingWorkflowId } from '../../workflows/booking/definitions';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { recordHistory } from '../helpers/histories';
import { openAllWeek, slotIn, until } from '../helpers/booking';
import { makeOrganization } from '../helpers/organizations';
import { openPhone } from '../../src/platform/crypto/phoneNumbers';

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
  await recordHistory(handle, 'booking-reminded-moved-cancelled');
});

async function service(orgId: string, id: string) {
  return withTenant(stack.services.db, orgId, (trx) => trx('services').where({ id }).first());
}

test('a caller books through the agent, the slot offered is the slot booked, and a text reply "C" cancels it', async () => {
  const serviceId = await openAllWeek(stack.services, stack.org.id);
  const name = (await service(stack.org.id, serviceId)).name as string;
  const from = new Date(Date.now() + 24 * 3600_000);
  const to = new Date(from.getTime() + 6 * 3600_000);
  const offered = (await stack.services.booking.slots(stack.org.id, serviceId, { start: from, end: to }, 8))!.slots;
  const slotLocal = DateTime.fromJSDate(offered[2]!, { zone: 'America/New_York' }).toISO({ suppressMilliseconds: true })!;

  const call = stack.call({ from: '+14155550111' });
  await call.dial();
  stack.llm.script(
    { toolCalls: [{ name: 'check_availability', arguments: { service: name.toLowerCase(), from: from.toISOString(), to: to.toISOString() } }] },
    { content: 'I can offer a few times tomorrow. Which suits you?' },
  );
  await call.say('Can I book a cleaning tomorrow?');
  const availability = JSON.parse(stack.llm.requests.at(-1)!.messages.find((m) => m.role === 'tool')!.content!);
  expect(availability).toMatchObject({ ok: true, service: name });
  expect(availability.slots.map((s: { start: string }) => s.start)).toContain(slotLocal);

  stack.llm.script(
    { toolCalls: [{ name: 'book_appointment', arguments: { service: name, start: slotLocal, customer_name: 'Grace Hopper', customer_phone: '(415) 555-0111' } }] },
    { content: "You're booked. Anything else?" },
  );
  await call.say('The third one please. Grace Hopper.');
  const booked = JSON.parse(stack.llm.requests.at(-1)!.messages.filter((m) => m.role === 'tool').at(-1)!.content!);
  expect(booked).toMatchObject({ ok: true, start: slotLocal });
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye!' });
  await call.say("That's all.");
  await call.status('completed', 80);
  expect(await stack.result(call)).toEqual({ outcome: 'booked', status: 'completed' });

  const callRow = await stack.services.db('calls').where({ call_sid: call.callSid }).first('id');
  const [appointment] = await liveAppointments(stack.org.id);
  expect(appointment).toMatchObject({ status: 'confirmed', call_id: callRow.id, source: 'call', customer_e164: null, starts_at: offered[2] });
  expect(await openPhone(stack.services.fields, stack.org.id, APPOINTMENT_PHONE_CONTEXT, appointment)).toBe('+14155550111');
  await until(() => stack.twilioRest.messages.some((m) => m.To === '+14155550111' && m.Body.includes('is booked for')), 10_000);

  // A text reply "C" from the caller's phone cancels it; from another phone it finds nothing.
  const sms = (fromNumber: string, body: string, sid = `SM${randomBytes(16).toString('hex')}`) =>
    call.post('/twilio/sms/incoming', { MessageSid: sid, From: fromNumber, To: stack.number, Body: body }).then((r) => r.text());
  expect(await sms('+14155550199', 'C')).toContain('we found no upcoming appointment');
  expect(await sms('+14155550111', 'thanks!')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  const replySid = `SM${randomBytes(16).toString('hex')}`;
  expect(await sms('+14155550111', ' c ', replySid)).toContain('cancelling your appointment');
  expect(await sms('+14155550111', ' c ', replySid)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>'); // Twilio retrying: handled once
  expect(await stack.services.temporal.workflow.getHandle(bookingWorkflowId(appointment.id)).result()).toEqual({ state: 'cancelled' });
  await until(() => stack.twilioRest.messages.some((m) => m.To === '+14155550111' && m.Body.includes('is cancelled')), 10_000);
  const forged = await call.post('/twilio/sms/incoming', { MessageSid: `SM${'b'.repeat(32)}`, From: '+14155550111', To: stack.number, Body: 'C' }, 'bm90IGEgc2lnbmF0dXJl');
  expect(forged.status).toBe(403);
});

test('on a call, the agent moves or cancels only the appointments booked from the calling number', async () => {
  const serviceId = await openAllWeek(stack.services, stack.org.id);
  const start = slotIn(2 * 24 * 60);
  const booked = await stack.services.booking.book(stack.org.id, { serviceId, start: start.toISOString(), customerName: 'Katherine', customerE164: '+14155550177', source: 'api' });
  expect(booked.ok).toBe(true);
  const appointmentId = booked.ok ? booked.appointmentId : '';
  const newStart = new Date(start.getTime() + 2 * 3600_000);
  const toolReply = () => JSON.parse(stack.llm.requests.at(-1)!.messages.filter((m) => m.role === 'tool').at(-1)!.content!);

  // Someone else, calling from another number, cannot move it.
  const stranger = stack.call({ from: '+14155550188' });
  await stranger.dial();
  stack.llm.script(
    { toolCalls: [{ name: 'reschedule_appointment', arguments: { customer_phone: '+14155550177', start: start.toISOString(), new_start: newStart.toISOString() } }] },
    { content: 'I can only change appointments from the number they were booked with.' },
  );
  await stranger.say("Move Katherine's appointment please.");
  expect(toolReply()).toMatchObject({ ok: false, error: expect.stringContaining('number they were booked with') });
  await stranger.status('completed', 20);
  await stack.result(stranger);

  const owner = stack.call({ from: '+14155550177' });
  await owner.dial();
  stack.llm.script(
    { toolCalls: [{ name: 'reschedule_appointment', arguments: { customer_phone: '4155550177', start: start.toISOString(), new_start: newStart.toISOString() } }] },
    { content: 'Done, it has moved.' },
  );
  await owner.say('Can you move my appointment two hours later?');
  expect(toolReply()).toMatchObject({ ok: true });
  stack.llm.script(
    { toolCalls: [{ name: 'cancel_appointment', arguments: { customer_phone: '4155550177', start: newStart.toISOString() } }] },
    { content: 'It is cancelled.' },
  );
  await owner.say('Actually, cancel it.');
  expect(toolReply()).toMatchObject({ ok: true });
  await owner.status('completed', 50);
  expect(await stack.result(owner)).toEqual({ outcome: 'rescheduled', status: 'completed' });
  expect(await stack.services.temporal.workflow.getHandle(bookingWorkflowId(appointmentId)).result()).toEqual({ state: 'cancelled' });
});
