import { log } from '@temporalio/activity';
import { DateTime } from 'luxon';
import { toolSchemas, type ToolName } from '../../src/calls/agent/tools';
import { callAppointmentId, type BookingService } from '../../src/booking/bookingService';
import { spokenTime } from '../../src/booking/spokenTime';
import type { Db } from '../../src/platform/db/knex';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { phoneMatch } from '../../src/platform/crypto/phoneNumbers';
import { bookingRepository, serviceNamed, type ServiceRow } from '../../src/booking/repositories/booking';
import { withTenant } from '../../src/platform/db/tenancy';
import { countryOf, toE164 } from '../../src/platform/phone';
import type { BookingOutcome } from '../../workflows/booking/definitions';

/** What a turn's tool calls ask the call workflow to do or record (the workflow performs them durably). */
export type AgentEffect =
  | { type: 'message'; callerName: string; callbackE164?: string; message: string }
  | { type: 'transfer' }
  | { type: 'end' }
  | { type: 'opt_out' }
  | { type: 'booked' | 'rescheduled' | 'cancelled'; appointmentId: string };

export interface ToolContext {
  orgId: string;
  callId?: string;
  /** The caller's turn (the conversation's length): a booking asked for again in a later turn is a new one. */
  turn: number;
  callerE164: string;
  timeZone: string;
}

type ToolResult = Record<string, unknown>;

const MAX_SLOTS_OFFERED = 8;
const MAX_WINDOW_DAYS = 14;

/**
 * Runs the agent's tools. Arguments are validated with the tools' zod schemas; invalid ones, and anything
 * that did not happen, go back to the model as `{ ok: false, error }` and the call goes on. Appointment
 * tools act on the booking workflows and answer with what really happened. Changing or cancelling an
 * appointment is only allowed from the number it was booked with: a caller cannot touch someone else's.
 */
export function createToolRunner(deps: { db: Db; fields: FieldCipher; booking: BookingService }) {
  const local = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).toISO({ suppressMilliseconds: true })!;
  const fromOutcome = (outcome: BookingOutcome, zone: string, effect: AgentEffect['type'], effects: AgentEffect[]): ToolResult => {
    if (!outcome.ok) return { ok: false, error: outcome.message };
    effects.push({ type: effect as 'booked', appointmentId: outcome.appointmentId });
    return { ok: true, start: local(new Date(outcome.start), zone), when: spokenTime(outcome.start, zone) };
  };
  const service = async (ctx: ToolContext, name: string): Promise<ServiceRow | ToolResult> => {
    const offered = await withTenant(deps.db, ctx.orgId, (trx) => bookingRepository(trx).services());
    return serviceNamed(offered, name) ?? { ok: false, error: `No service called "${name}". Services offered: ${offered.map((s) => s.name).join(', ') || 'none'}.` };
  };
  const isService = (s: ServiceRow | ToolResult): s is ServiceRow => typeof (s as ServiceRow).id === 'string';
  const callersAppointment = async (ctx: ToolContext, start: Date) => {
    const caller = await phoneMatch(deps.fields, ctx.orgId, ctx.callerE164);
    return withTenant(deps.db, ctx.orgId, (trx) => bookingRepository(trx).appointmentOf(caller, start));
  };
  const noAppointment = { ok: false, error: 'There is no appointment at that time for the number the caller is calling from. For their security, appointments can only be changed from the number they were booked with; offer to take a message.' };

  /** A tool that throws (a calendar outage, Temporal unreachable) answers the model instead of failing the turn. */
  return async function runTool(name: string, rawArguments: string, ctx: ToolContext, effects: AgentEffect[]): Promise<ToolResult> {
    try {
      return await execute(name, rawArguments, ctx, effects);
    } catch (error) {
      log.warn('tool failed', { tool: name, error: String(error) });
      return { ok: false, error: 'That could not be done just now. Apologise and offer to take a message.' };
    }
  };

  async function execute(name: string, rawArguments: string, ctx: ToolContext, effects: AgentEffect[]): Promise<ToolResult> {
    if (!(name in toolSchemas)) return { ok: false, error: `unknown tool "${name}"` };
    let args: unknown;
    try {
      args = JSON.parse(rawArguments || '{}');
    } catch {
      return { ok: false, error: 'arguments are not valid JSON' };
    }
    const parsed = toolSchemas[name as ToolName].safeParse(args);
    if (!parsed.success) {
      return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ') };
    }
    const a = parsed.data as Record<string, string>;
    switch (name as ToolName) {
      case 'check_availability': {
        const from = new Date(a.from!);
        const to = new Date(a.to!);
        if (!(from < to) || to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) return { ok: false, error: `"to" must be after "from" and at most ${MAX_WINDOW_DAYS} days later` };
        const svc = await service(ctx, a.service!);
        if (!isService(svc)) return svc;
        const found = await deps.booking.slots(ctx.orgId, svc.id, { start: from, end: to }, MAX_SLOTS_OFFERED);
        const slots = (found?.slots ?? []).map((s) => ({ start: local(s, ctx.timeZone), when: spokenTime(s, ctx.timeZone) }));
        return { ok: true, service: svc.name, durationMinutes: svc.duration_minutes, slots, note: slots.length ? 'Offer only these times.' : 'Nothing free in that window: try another window.' };
      }
      case 'book_appointment': {
        const svc = await service(ctx, a.service!);
        if (!isService(svc)) return svc;
        const phone = toE164(a.customer_phone!, countryOf(ctx.callerE164));
        if (!phone) return { ok: false, error: 'customer_phone is not a valid phone number' };
        const start = new Date(a.start!);
        const appointmentId = ctx.callId ? callAppointmentId(ctx.callId, ctx.turn, svc.id, start) : undefined;
        const outcome = await deps.booking.book(ctx.orgId, { appointmentId, serviceId: svc.id, start: start.toISOString(), customerName: a.customer_name!, customerE164: phone, callId: ctx.callId, source: 'call' });
        return fromOutcome(outcome, ctx.timeZone, 'booked', effects);
      }
      case 'cancel_appointment': {
        const appointment = await callersAppointment(ctx, new Date(a.start!));
        if (!appointment) return noAppointment;
        return fromOutcome(await deps.booking.cancel(ctx.orgId, appointment.id, 'cancelled by the caller on the phone'), ctx.timeZone, 'cancelled', effects);
      }
      case 'reschedule_appointment': {
        const appointment = await callersAppointment(ctx, new Date(a.start!));
        if (!appointment) return noAppointment;
        return fromOutcome(await deps.booking.reschedule(ctx.orgId, appointment.id, new Date(a.new_start!)), ctx.timeZone, 'rescheduled', effects);
      }
      case 'take_message': {
        const callback = a.callback_number ? toE164(a.callback_number, countryOf(ctx.callerE164)) : undefined;
        if (a.callback_number && !callback) return { ok: false, error: 'callback_number is not a valid phone number' };
        effects.push({ type: 'message', callerName: a.caller_name!, callbackE164: callback, message: a.message! });
        return { ok: true, result: 'The message is recorded and the business will be notified.' };
      }
      case 'transfer_to_human':
        effects.push({ type: 'transfer' });
        return { ok: true };
      case 'end_call':
        effects.push({ type: 'end' });
        return { ok: true };
      case 'stop_calling_me':
        effects.push({ type: 'opt_out' });
        return { ok: true, say: 'Confirm in one sentence that you will not call again, then say goodbye.' };
    }
  }
}
