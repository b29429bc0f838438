import { DateTime } from 'luxon';
import type { BusinessHours } from '../accounts/repositories/organizations';

/**
 * Free appointment slots, computed in the organization's time zone with luxon so that opening hours stay
 * wall-clock hours across daylight-saving changes: 09:00 is 09:00 local on both sides of the change, a
 * range that spans the change is as long in real time as it really is, and a local time the clocks skip
 * does not exist. Pure: callers fetch the inputs.
 */
export interface BookingRules {
  timeZone: string;
  businessHours: BusinessHours;
  /** Closed local dates, inclusive ranges of ISO dates (YYYY-MM-DD). */
  closures: Array<{ startsOn: string; endsOn: string }>;
  minNoticeMinutes: number;
  horizonDays: number;
  slotStepMinutes: number;
}

export interface ServiceShape {
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

export interface Interval {
  start: Date;
  end: Date;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const MINUTE = 60_000;

/** The time a booking at `start` keeps the resource busy, buffers included. */
export function blockedRange(start: Date, service: ServiceShape): Interval {
  return {
    start: new Date(start.getTime() - service.bufferBeforeMinutes * MINUTE),
    end: new Date(start.getTime() + (service.durationMinutes + service.bufferAfterMinutes) * MINUTE),
  };
}

/** Opening ranges (absolute instants) of every local day touching [from, to), closures removed, in order. */
export function openingRanges(rules: BookingRules, from: Date, to: Date): Interval[] {
  const ranges: Interval[] = [];
  // Days are walked as calendar dates, not as midnights: in zones whose clocks skip midnight
  // (America/Santiago, America/Havana) a midnight can be 01:00, and adding days to it would drift.
  const zone = { zone: rules.timeZone };
  const last = DateTime.fromJSDate(to, zone).toISODate()!;
  for (let date = DateTime.fromJSDate(from, zone).minus({ days: 1 }).toISODate()!; date <= last; date = nextDate(date)) {
    if (rules.closures.some((c) => c.startsOn <= date && date <= c.endsOn)) continue;
    const day = DateTime.fromISO(date, zone);
    for (const hours of rules.businessHours[WEEKDAYS[day.weekday - 1]!] ?? []) {
      const open = atLocal(date, hours.open, rules.timeZone);
      const close = hours.close === '24:00' ? atLocal(nextDate(date), '00:00', rules.timeZone) : atLocal(date, hours.close, rules.timeZone);
      if (close > open) ranges.push({ start: open.toJSDate(), end: close.toJSDate() });
    }
  }
  return ranges.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Where the opening that `ranges[i]` belongs to ends: ranges that meet (24:00, then 00:00) continue it. */
function continuousEnd(ranges: Interval[], i: number): number {
  let end = ranges[i]!.end.getTime();
  for (let j = i + 1; j < ranges.length && ranges[j]!.start.getTime() <= end; j++) end = Math.max(end, ranges[j]!.end.getTime());
  return end;
}

/**
 * Slot starts in [from, to) where the service fits inside one opening range, its buffered range overlaps
 * no busy interval, and the start respects minimum notice and the booking horizon.
 */
export function freeSlots(rules: BookingRules, service: ServiceShape, window: Interval, busy: Interval[], now: Date): Date[] {
  const earliest = Math.max(window.start.getTime(), now.getTime() + rules.minNoticeMinutes * MINUTE);
  const latest = Math.min(window.end.getTime(), now.getTime() + rules.horizonDays * 24 * 60 * MINUTE);
  const step = rules.slotStepMinutes * MINUTE;
  const length = service.durationMinutes * MINUTE;
  const slots: Date[] = [];
  // A slot starting near the window's end runs past it: the days it runs into count too.
  const ranges = openingRanges(rules, window.start, new Date(window.end.getTime() + length));
  for (const [i, range] of ranges.entries()) {
    // Steps count from each day's opening time in real time, so slots stay on the local quarter-hours
    // whatever day the walk began on; a slot may run on into an opening that continues this one.
    const end = continuousEnd(ranges, i);
    for (let t = range.start.getTime(); t < range.end.getTime() && t + length <= end; t += step) {
      if (t < earliest || t >= latest) continue;
      const blocked = blockedRange(new Date(t), service);
      if (busy.some((b) => b.start < blocked.end && blocked.start < b.end)) continue;
      slots.push(new Date(t));
    }
  }
  return slots;
}

/** Whether `start` is one of the slots the rules would offer (ignoring busy time, which the database checks). */
export function isBookableStart(rules: BookingRules, service: ServiceShape, start: Date, now: Date): boolean {
  const window = { start, end: new Date(start.getTime() + 1) };
  return freeSlots(rules, service, window, [], now).some((slot) => slot.getTime() === start.getTime());
}

/** A local wall-clock time on a date; a time the clocks skip moves forward past the gap (luxon's rule). */
function atLocal(date: string, hhmm: string, zone: string): DateTime {
  return DateTime.fromISO(`${date}T${hhmm}`, { zone });
}

function nextDate(date: string): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!;
}
