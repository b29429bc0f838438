import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { bookingWorkflow } from '../../workflows/booking/booking';
import {
  bookingWorkflowId,
  cancelSignal,
  cancelUpdate,
  confirmationUpdate,
  rescheduleUpdate,
  type BookingOutcome,
  type BookingRequest,
} from '../../workflows/booking/definitions';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { BookingStatus } from '../../workflows/booking/definitions';
import type { Db } from '../platform/db/knex';
import { newId } from '../platform/db/ids';
import { bookingRepository, serviceShape, type ServiceRow } from './repositories/booking';
import { withTenant } from '../platform/db/tenancy';
import { freeSlots, type Interval } from './availability';
import type { CalendarResolver } from './calendars/resolver';

/**
 * Booking as the API and the call agent use it: free slots (the built-in calendar's busy time merged
 * with the connected calendar's), and booking, cancelling and rescheduling through each appointment's
 * `booking:<id>` workflow, answering with what really happened.
 */
export function createBookingService(deps: { db: Db; temporal: Client; taskQueue: string; calendars: CalendarResolver; now?: () => Date }) {
  const now = () => (deps.now ?? (() => new Date()))();
  const handle = (appointmentId: string) => deps.temporal.workflow.getHandle(bookingWorkflowId(appointmentId));
  const notFound: BookingOutcome = { ok: false, reason: 'not_found', message: 'No such appointment.' };

  /** The appointment exists (checked first); a workflow already over means it is cancelled, failed or past. */
  async function onWorkflow(act: () => Promise<BookingOutcome>): Promise<BookingOutcome> {
    try {
      return await act();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { ok: false, reason: 'not_confirmed', message: 'That appointment is no longer confirmed (cancelled, failed or past).' };
      throw error;
    }
  }

  return {
    /** Free slot starts for a service in [from, to), at most `limit`. */
    async slots(orgId: string, serviceId: string, window: Interval, limit = 50): Promise<{ service: ServiceRow; slots: Date[] } | undefined> {
      const found = await withTenant(deps.db, orgId, async (trx) => {
        const repo = bookingRepository(trx);
        const service = await repo.service(serviceId);
        if (!service?.active) return undefined;
        return { service, rules: await repo.rules(), busy: await repo.busy(new Date(window.start.getTime() - 24 * 3600_000), new Date(window.end.getTime() + 24 * 3600_000)) };
      });
      if (!found) return undefined;
      // The same margin as the appointments': a slot near the window's edge can reach past it.
      const calendar = await deps.calendars.forOrganization(orgId);
      const external = calendar ? await calendar.provider.busy(new Date(window.start.getTime() - 24 * 3600_000), new Date(window.end.getTime() + 24 * 3600_000)) : [];
      const slots = freeSlots(found.rules, serviceShape(found.service), window, [...found.busy, ...external], now());
      return { service: found.service, slots: slots.slice(0, limit) };
    },

    /**
     * Books through a new booking workflow and waits for its confirmation (update-with-start: one round
     * trip). `appointmentId` makes it idempotent: the same id is the same booking.
     */
    async book(orgId: string, input: Omit<BookingRequest, 'orgId' | 'appointmentId'> & { appointmentId?: string }): Promise<BookingOutcome> {
      const request: BookingRequest = { ...input, orgId, appointmentId: input.appointmentId ?? newId('appt') };
      const org = await withTenant(deps.db, orgId, (trx) => trx('organizations').first('reminder_offsets_seconds'));
      return deps.temporal.workflow.executeUpdateWithStart(confirmationUpdate, {
        updateId: 'confirmation',
        startWorkflowOperation: new WithStartWorkflowOperation<typeof bookingWorkflow>('bookingWorkflow', {
          workflowId: bookingWorkflowId(request.appointmentId),
          taskQueue: deps.taskQueue,
          args: [request, { reminderOffsetsSeconds: org?.reminder_offsets_seconds ?? [] }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            { key: OrgId, value: orgId },
            { key: BookingStatus, value: 'held' },
          ],
        }),
      });
    },

    /** Only an appointment of this organization: another tenant's id is simply not found. */
    async cancel(orgId: string, appointmentId: string, reason: string): Promise<BookingOutcome> {
      if (!(await belongs(orgId, appointmentId))) return notFound;
      return onWorkflow(() => handle(appointmentId).executeUpdate(cancelUpdate, { args: [{ reason }] }));
    },

    async requestCancel(orgId: string, appointmentId: string, reason: string): Promise<boolean> {
      if (!(await belongs(orgId, appointmentId))) return false;
      try {
        await handle(appointmentId).signal(cancelSignal, { reason });
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false; // its workflow is over: nothing left to cancel
        throw error;
      }
    },

    async reschedule(orgId: string, appointmentId: string, start: Date): Promise<BookingOutcome> {
      if (!(await belongs(orgId, appointmentId))) return notFound;
      return onWorkflow(() => handle(appointmentId).executeUpdate(rescheduleUpdate, { args: [{ start: start.toISOString() }] }));
    },
  };

  async function belongs(orgId: string, appointmentId: string): Promise<boolean> {
    return Boolean(await withTenant(deps.db, orgId, (trx) => bookingRepository(trx).appointment(appointmentId)));
  }
}

/** An appointment id derived from what identifies one booking request: the same parts, the same booking. */
export function derivedAppointmentId(...parts: Array<string | number>): string {
  return `appt_${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 26)}`;
}

/** The appointment id of a booking made on a call: the same turn asking again (or re-run after a crash) is the same booking. */
export function callAppointmentId(callId: string, turn: number, serviceId: string, start: Date): string {
  return derivedAppointmentId(callId, turn, serviceId, start.toISOString());
}

export type BookingService = ReturnType<typeof createBookingService>;
