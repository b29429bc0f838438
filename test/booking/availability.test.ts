import { blockedRange, freeSlots, isBookableStart, openingRanges, type BookingRules } from '../../src/booking/availability';

const rules: BookingRules = {
  timeZone: 'America/New_York',
  businessHours: { mon: [{ open: '09:00', close: '12:00' }], fri: [{ open: '09:00', close: '12:00' }], sun: [{ open: '00:00', close: '04:00' }] },
  closures: [],
  minNoticeMinutes: 0,
  horizonDays: 366,
  slotStepMinutes: 60,
};
const hour = { durationMinutes: 60, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 };
const longAgo = new Date('2026-01-01T00:00:00Z');
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const day = (date: string) => ({ start: new Date(`${date}T00:00:00Z`), end: new Date(`${date}T23:59:59Z`) });

test('09:00 stays 09:00 local on both sides of the spring change (UTC moves by an hour)', () => {
  // Friday 6 March 2026 is EST (UTC−5); Monday 9 March is EDT (UTC−4).
  expect(iso(freeSlots(rules, hour, { start: new Date('2026-03-06T00:00:00Z'), end: new Date('2026-03-07T00:00:00Z') }, [], longAgo))).toEqual([
    '2026-03-06T14:00:00.000Z', '2026-03-06T15:00:00.000Z', '2026-03-06T16:00:00.000Z',
  ]);
  expect(iso(freeSlots(rules, hour, { start: new Date('2026-03-09T00:00:00Z'), end: new Date('2026-03-10T00:00:00Z') }, [], longAgo))).toEqual([
    '2026-03-09T13:00:00.000Z', '2026-03-09T14:00:00.000Z', '2026-03-09T15:00:00.000Z',
  ]);
});

test('a night opening across the spring-forward gap is one hour shorter; across the fall-back it is one hour longer', () => {
  // Sunday 8 March 2026: 02:00 local does not exist, so 00:00–04:00 lasts three hours.
  const spring = openingRanges(rules, new Date('2026-03-08T05:00:00Z'), new Date('2026-03-08T06:00:00Z')).filter((r) => r.start.toISOString().startsWith('2026-03-08'));
  expect(spring.map((r) => (r.end.getTime() - r.start.getTime()) / 3_600_000)).toEqual([3]);
  expect(iso(freeSlots(rules, hour, day('2026-03-08'), [], longAgo))).toEqual([
    '2026-03-08T05:00:00.000Z', '2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z',
  ]);
  // Sunday 1 November 2026: 01:00–02:00 happens twice, so 00:00–04:00 lasts five hours.
  expect(iso(freeSlots(rules, hour, day('2026-11-01'), [], longAgo))).toEqual([
    '2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z',
  ]);
});

test('busy time with buffers, closures, minimum notice and the horizon remove slots', () => {
  const buffered = { durationMinutes: 45, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 };
  const monday = { start: new Date('2026-03-09T00:00:00Z'), end: new Date('2026-03-10T00:00:00Z') };
  const busy = [{ start: new Date('2026-03-09T14:30:00Z'), end: new Date('2026-03-09T14:45:00Z') }];
  // 09:00 (13:00Z) blocks 12:45–14:00Z, free; 10:00 (14:00Z) blocks 13:45–15:00Z, overlaps; 11:00 blocks 14:45–16:00Z, free.
  expect(iso(freeSlots(rules, buffered, monday, busy, longAgo))).toEqual(['2026-03-09T13:00:00.000Z', '2026-03-09T15:00:00.000Z']);
  expect(blockedRange(new Date('2026-03-09T15:00:00Z'), buffered)).toEqual({ start: new Date('2026-03-09T14:45:00Z'), end: new Date('2026-03-09T16:00:00Z') });

  expect(freeSlots({ ...rules, closures: [{ startsOn: '2026-03-09', endsOn: '2026-03-09' }] }, hour, monday, [], longAgo)).toEqual([]);
  const now = new Date('2026-03-09T13:10:00Z');
  expect(iso(freeSlots({ ...rules, minNoticeMinutes: 60 }, hour, monday, [], now))).toEqual(['2026-03-09T15:00:00.000Z']);
  expect(freeSlots({ ...rules, horizonDays: 1 }, hour, monday, [], new Date('2026-03-01T00:00:00Z'))).toEqual([]);
});

test('only offered starts are bookable', () => {
  expect(isBookableStart(rules, hour, new Date('2026-03-09T13:00:00Z'), longAgo)).toBe(true);
  expect(isBookableStart(rules, hour, new Date('2026-03-09T13:30:00Z'), longAgo)).toBe(false); // off the step
  expect(isBookableStart(rules, hour, new Date('2026-03-09T16:00:00Z'), longAgo)).toBe(false); // ends after closing
  expect(isBookableStart(rules, hour, new Date('2026-03-10T13:00:00Z'), longAgo)).toBe(false); // Tuesday: closed
});

test('a zone whose clocks skip midnight (Santiago, 6 September 2026) keeps every day', () => {
  const santiago: BookingRules = { ...rules, timeZone: 'America/Santiago', businessHours: { sun: [{ open: '09:00', close: '11:00' }], mon: [{ open: '09:00', close: '11:00' }] } };
  // Sunday 6 September 2026 starts at 01:00 (−03) after 23:59:59 (−04); Monday is a normal day.
  expect(iso(freeSlots(santiago, hour, { start: new Date('2026-09-06T00:00:00Z'), end: new Date('2026-09-08T00:00:00Z') }, [], longAgo))).toEqual([
    '2026-09-06T12:00:00.000Z', '2026-09-06T13:00:00.000Z', '2026-09-07T12:00:00.000Z', '2026-09-07T13:00:00.000Z',
  ]);
  expect(isBookableStart(santiago, hour, new Date('2026-09-07T12:00:00Z'), longAgo)).toBe(true);
});

test('openings that meet at midnight are one: an appointment may run past it', () => {
  // Saturday open until 24:00, Sunday from 00:00 (the rules above): a 60-minute slot at 23:30 Saturday fits.
  const late = { ...rules, slotStepMinutes: 30, businessHours: { ...rules.businessHours, sat: [{ open: '22:00', close: '24:00' }] } };
  const window = { start: new Date('2026-03-15T02:00:00Z'), end: new Date('2026-03-15T05:00:00Z') }; // Sat 22:00 – Sun 01:00 EDT
  expect(iso(freeSlots(late, hour, window, [], longAgo))).toContain('2026-03-15T03:30:00.000Z');
  expect(isBookableStart(late, hour, new Date('2026-03-15T03:30:00Z'), longAgo)).toBe(true);
  // Open around the clock with a step that does not divide the day: each day's slots start at its own
  // opening, so what is offered is bookable whichever day the search started from.
  const allDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '00:00', close: '24:00' }]]));
  const odd = { ...rules, slotStepMinutes: 50, businessHours: allDay };
  const offered = freeSlots(odd, hour, { start: new Date('2026-03-17T04:00:00Z'), end: new Date('2026-03-17T06:00:00Z') }, [], longAgo);
  expect(iso(offered)).toEqual(['2026-03-17T04:00:00.000Z', '2026-03-17T04:50:00.000Z', '2026-03-17T05:40:00.000Z']);
  for (const slot of offered) expect(isBookableStart(odd, hour, slot, longAgo)).toBe(true);
});
