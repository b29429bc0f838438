import { ActivityFailure, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { BookingActivities } from '../activities/booking';
import {
  bookingStateQuery,
  cancelSignal,
  cancelUpdate,
  confirmationUpdate,
  rescheduleUpdate,
  type BookingOutcome,
  type BookingRequest,
  type BookingState,
} from './bookingDefinitions';
import { BookingStatus } from './searchAttributes';

/**
 * One appointment, `booking:<appointmentId>`: hold the slot, create the calendar event, confirm, text the
 * customer, wait durably for each reminder and send it, accept cancel and reschedule at any time, and
 * complete once the appointment is over. A failure after the hold is compensated: the event is deleted
 * and the slot released, and whoever asked hears what really happened.
 */
export interface BookingSettings {
  /** Seconds before the start at which reminders go out (the organization's setting, snapshotted). */
  reminderOffsetsSeconds: number[];
}

// The caller may be waiting on the confirmation: database steps retry briefly.
const book = proxyActivities<BookingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 5 },
});
const calendar = proxyActivities<BookingActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 2, nonRetryableErrorTypes: ['SlotBusyExternally'] },
});
// Compensation and texts must happen eventually, however long the outage.
const eventually = proxyActivities<BookingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

export async function bookingWorkflow(request: BookingRequest, settings: BookingSettings): Promise<{ state: BookingState }> {
  const ids = { orgId: request.orgId, appointmentId: request.appointmentId };
  let state: BookingState = 'holding';
  let outcome: BookingOutcome | undefined;
  let start = request.start;
  let end = request.start;
  let cancelReason: string | undefined;
  let changes = 0;
  let busy = false;
  const texts: Promise<unknown>[] = [];

  const setState = (next: BookingState) => {
    state = next;
    upsertSearchAttributes([{ key: BookingStatus, value: next }]);
  };
  const text = (kind: 'confirmed' | 'reminder' | 'rescheduled' | 'cancelled', key: string) =>
    texts.push(eventually.textCustomer({ ...ids, kind, key }).catch(() => undefined));
  const notConfirmed = (): BookingOutcome => ({ ok: false, reason: 'not_confirmed', message: 'That appointment is not confirmed (cancelled, finished or still being booked).' });

  setHandler(bookingStateQuery, () => ({ state, start }));
  setHandler(confirmationUpdate, async () => {
    await condition(() => outcome !== undefined);
    return outcome!;
  });
  setHandler(cancelSignal, ({ reason }) => {
    cancelReason ??= reason;
  });
  setHandler(cancelUpdate, async ({ reason }) => {
    if (state !== 'confirmed') return notConfirmed();
    cancelReason ??= reason;
    await condition(() => state !== 'confirmed');
    return { ok: true, appointmentId: request.appointmentId, start, end, status: 'cancelled' };
  });
  setHandler(rescheduleUpdate, async ({ start: wanted }) => {
    await condition(() => !busy);
    if (state !== 'confirmed' || cancelReason) return notConfirmed();
    busy = true;
    try {
      const moved = await book.moveAppointment({ ...ids, start: wanted });
      if (moved.ok) {
        start = moved.start;
        end = moved.end;
        changes += 1;
        text('rescheduled', `rescheduled:${start}`);
      }
      return moved;
    } finally {
      busy = false;
    }
  });

  upsertSearchAttributes([{ key: BookingStatus, value: 'held' }]);
  const held = await book.holdAppointment(request);
  if (!held.ok) {
    outcome = held;
    setState('failed');
    return { state };
  }
  try {
    await calendar.createCalendarEvent(ids);
    outcome = await book.confirmAppointment(ids);
  } catch (error) {
    const busyThere = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'SlotBusyExternally';
    await eventually.releaseAppointment({ ...ids, status: 'failed', reason: busyThere ? 'busy in the connected calendar' : 'the calendar could not be updated' });
    outcome = busyThere
      ? { ok: false, reason: 'taken', message: 'That time is busy in the calendar. Offer another slot from check_availability.' }
      : { ok: false, reason: 'calendar_error', message: 'The calendar could not be updated, so nothing was booked. Offer to take a message.' };
    setState('failed');
    return { state };
  }
  if (outcome.ok) end = outcome.end;
  setState('confirmed');
  text('confirmed', 'confirmed');

  // Wait for each reminder, then for the end; a reschedule starts the plan over, a cancellation ends it.
  const sent = new Set<string>();
  for (;;) {
    const startsAt = new Date(start).getTime();
    const due = settings.reminderOffsetsSeconds
      .map((seconds) => ({ key: `reminder:${seconds}:${start}`, at: startsAt - seconds * 1000 }))
      .filter((r) => !sent.has(r.key) && r.at > Date.now())
      .sort((a, b) => a.at - b.at)[0];
    const wakeAt = due ? due.at : new Date(end).getTime();
    const seen = changes;
    const interrupted = await condition(() => cancelReason !== undefined || changes !== seen, Math.max(1, wakeAt - Date.now()));
    if (cancelReason !== undefined) {
      await condition(() => !busy);
      await eventually.releaseAppointment({ ...ids, status: 'cancelled', reason: cancelReason });
      text('cancelled', 'cancelled');
      setState('cancelled');
      break;
    }
    if (interrupted) continue;
    if (due) {
      sent.add(due.key);
      text('reminder', due.key);
      continue;
    }
    await book.completeAppointment(ids);
    setState('completed');
    break;
  }
  await Promise.all(texts);
  return { state };
}
