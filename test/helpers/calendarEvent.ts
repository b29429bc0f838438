import type { CalendarEventInput } from '../../src/booking/calendars/provider';

/** The event both calendar adapters' tests create: a 30-minute booking, keyed like our appointments. */
export const appointmentEvent: CalendarEventInput = {
  key: 'apt_01jdq8x5yzw3k7m2n4p6r8t0vw',
  start: new Date('2026-12-01T15:00:00Z'),
  end: new Date('2026-12-01T15:30:00Z'),
  timeZone: 'America/New_York',
  summary: 'Boiler service: Ana Ruiz',
  description: 'Booked by phone. Callback +1 555 0100.',
};
