import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The booking workflow's messages, shared by the workflow, the agent's tools and the API (which never
 * import workflow code). One workflow per appointment, `booking:<appointmentId>`.
 */
export interface BookingRequest {
  orgId: string;
  appointmentId: string;
  serviceId: string;
  /** ISO instant. */
  start: string;
  customerName: string;
  customerE164: string;
  callId?: string;
  source: 'call' | 'api' | 'sms';
}

export type BookingFailure = 'taken' | 'unavailable' | 'calendar_error' | 'not_found' | 'not_confirmed';

export type BookingOutcome =
  | { ok: true; appointmentId: string; start: string; end: string; status: 'confirmed' | 'cancelled' }
  | { ok: false; reason: BookingFailure; message: string };

export type BookingState = 'holding' | 'confirmed' | 'cancelled' | 'failed' | 'completed';

/** Resolves once the slot is confirmed or the booking has failed (and been compensated). */
export const confirmationUpdate = defineUpdate<BookingOutcome>('confirmation');
export const rescheduleUpdate = defineUpdate<BookingOutcome, [{ start: string }]>('reschedule');
export const cancelUpdate = defineUpdate<BookingOutcome, [{ reason: string }]>('cancel');
/** Fire-and-forget cancellation (an SMS reply: Twilio's webhook should not wait on it). */
export const cancelSignal = defineSignal<[{ reason: string }]>('cancel-request');
export const bookingStateQuery = defineQuery<{ state: BookingState; start: string }>('state');

export const bookingWorkflowId = (appointmentId: string) => `booking:${appointmentId}`;

/** Search attribute: BookingStatus, filterable in the Temporal UI (never personal data). */
export const BookingStatus = defineSearchAttributeKey('BookingStatus', SearchAttributeType.KEYWORD);
