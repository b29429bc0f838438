/**
 * What booking needs from a calendar, whichever it is (the built-in one in PostgreSQL, Google Calendar,
 * Microsoft 365): busy time in a window, and events it can create, move and delete idempotently.
 */
export interface BusyInterval {
  start: Date;
  end: Date;
}

export interface CalendarEventInput {
  /**
   * Our key for the event (the appointment id, `apt_` + 26 lowercase base32 chars). Creating twice with
   * the same key must yield one event: retried activities do exactly that.
   */
  key: string;
  start: Date;
  end: Date;
  /** IANA zone the event is shown in. */
  timeZone: string;
  summary: string;
  description?: string;
}

export interface CalendarProvider {
  /** Busy intervals overlapping [from, to). Unknown availability (a per-calendar error) throws CalendarUnavailableError: never "free". */
  busy(from: Date, to: Date): Promise<BusyInterval[]>;
  /** Creates the event, or finds the one created under the same key; returns the provider's event id. */
  createEvent(event: CalendarEventInput): Promise<string>;
  moveEvent(eventId: string, change: { start: Date; end: Date; timeZone: string }): Promise<void>;
  /** Deleting an event that is already gone (404/410) succeeds. */
  deleteEvent(eventId: string): Promise<void>;
}

/** The connection's grant was revoked or expired (`invalid_grant`): the connection is broken until an admin reconnects. */
export class CalendarAuthRevokedError extends Error {
  override name = 'CalendarAuthRevokedError';
}

/** The provider failed or timed out, or could not say whether a time is free: retry later. */
export class CalendarUnavailableError extends Error {
  override name = 'CalendarUnavailableError';
}

/** OAuth tokens as stored (encrypted) for a connection. */
export interface CalendarTokens {
  refreshToken: string;
  accessToken?: string;
  /** Epoch milliseconds. */
  expiresAt?: number;
}
