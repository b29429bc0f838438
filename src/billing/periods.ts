import { DateTime } from 'luxon';

/**
 * Where a billing period ends: a calendar month after it starts (in UTC, so the 31st runs to the last day
 * of a shorter month), or `periodMs` after it when a deployment (a test) sets one.
 */
export function periodEnd(start: Date, periodMs?: number): Date {
  if (periodMs) return new Date(start.getTime() + periodMs);
  return DateTime.fromJSDate(start, { zone: 'utc' }).plus({ months: 1 }).toJSDate();
}

/** The date a billing record may be deleted: `years` after its period ends. */
export function retainUntil(end: Date, years: number): string {
  return DateTime.fromJSDate(end, { zone: 'utc' }).plus({ years }).toISODate()!;
}
