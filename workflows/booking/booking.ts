import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { BookingActivities } from '../../activities/booking/booking';
import {
  bookingStateQuery,
  cancelSignal,
  cancelUpdate,
  confirmationUpdate,
  rescheduleUpdate,
  type BookingOutcome,
  type BookingRequest,
  type BookingState,
} from './definitions';
import { BookingStatus } from './definitions';

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
// Calendar clean-up and texts happen after the answer, and must happen however long an outage lasts
// (texts give up after a day, or at once when Twilio says the number cannot be texted).
const eventually = proxyActivities<BookingActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', nonRetryableErrorTypes: ['Undeliverable'] },
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
  // Texts and calendar clean-up run one after another, in order, off the caller's path.
  let afterwards: Promise<unknown> = Promise.resolve();
  const later = (work: () => Promise<unknown>) => {
    afterwards = afterwards.then(work).catch(() => undefined);
  };
  const text = (kind: 'confirmed' | 'reminder' | 'rescheduled' | 'cancelled', key: string) => later(() => eventually.textCustomer({ ...ids, kind, key }));

  const setState = (next: BookingState) => {
    state = next;
    upsertSearchAttributes([{ key: BookingStatus, value: next }]);
  };
  /** One change at a time: handlers and the main loop take turns on the appointment. */
  const exclusively = async <T>(work: () => Promise<T>): Promise<T> => {
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await work();
    } finally {
      busy = false;
    }
  };
  const notConfirmed = (): BookingOutcome => ({ ok: false, reason: 'not_confirmed', message: 'That appointment is not confirmed (cancelled, finished or still being booked).' });
  const release = async (status: 'failed' | 'cancelled', reason: string) => {
    await eventually.releaseAppointment({ ...ids, status, reason });
    later(() => eventually.deleteCalendarEvent(ids));
  };

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
    return (state as BookingState) === 'cancelled' ? { ok: true, appointmentId: request.appointmentId, start, end, status: 'cancelled' } : notConfirmed();
  });
  setHandler(rescheduleUpdate, ({ start: wanted }) =>
    exclusively(async () => {
      if (state !== 'confirmed' || cancelReason) return notConfirmed();
      const moved = await book.moveAppointment({ ...ids, start: wanted });
      if (moved.ok && moved.start !== start) {
        start = moved.start;
        end = moved.end;
        changes += 1;
        later(() => eventually.moveCalendarEvent(ids));
        text('rescheduled', `rescheduled:${changes}`);
      }
      return moved;
    }),
  );

  upsertSearchAttributes([{ key: BookingStatus, value: 'held' }]);
  try {
    const held = await book.holdAppointment(request);
    if (held.ok) {
      await calendar.createCalendarEvent(ids);
      outcome = await book.confirmAppointment(ids);
    } else {
      outcome = held;
    }
  } catch (error) {
    // Whatever part failed after a hold may have been made, nothing must stay behind.
    const busyThere = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'SlotBusyExternally';
    await release('failed', busyThere ? 'busy in the connected calendar' : 'the booking could not be completed');
    outcome = busyThere
      ? { ok: false, reason: 'taken', message: 'That time is busy in the calendar. Offer another slot from check_availability.' }
      : { ok: false, reason: 'calendar_error', message: 'The calendar could not be updated, so nothing was booked. Offer to take a message.' };
  }
  if (!outcome.ok) {
    setState('failed');
    await afterwards;
    return { state };
  }
  end = outcome.end;
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
    const next = await exclusively(async () => {
      if (cancelReason !== undefined) {
        await release('cancelled', cancelReason);
        text('cancelled', 'cancelled');
        setState('cancelled');
        return 'done';
      }
      if (interrupted || changes !== seen) return 'again';
      if (due) {
        sent.add(due.key);
        text('reminder', due.key);
        return 'again';
      }
      await eventually.completeAppointment(ids);
      setState('completed');
      return 'done';
    });
    if (next === 'done') break;
  }
  await condition(allHandlersFinished);
  await afterwards;
  return { state };
}
