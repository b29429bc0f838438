import { DateTime } from 'luxon';

/**
 * When a learner may be called: 08:00 to 21:00 where they are (47 CFR 64.1200(c)(1) for solicitations;
 * practice calls the learner planned are not solicitations, but the hours are kept as a guardrail), and to
 * 20:00 for a Florida number (Fla. Stat. §501.059 presumes a Florida area code means a Florida resident).
 * The whole call must fit: it starts no earlier than the opening and ends by the close.
 */
const FLORIDA_AREA_CODES = new Set(['239', '305', '321', '324', '352', '386', '407', '448', '561', '645', '656', '689', '727', '728', '754', '772', '786', '813', '850', '863', '904', '941', '954']);

export interface CallingWindow {
  opensHour: number;
  closesHour: number;
  /** Why the window is what it is. */
  rule: string;
}

export function callingWindowOf(phoneE164: string): CallingWindow {
  if (phoneE164.startsWith('+1') && FLORIDA_AREA_CODES.has(phoneE164.slice(2, 5))) return { opensHour: 8, closesHour: 20, rule: 'Florida: 08:00-20:00' };
  return { opensHour: 8, closesHour: 21, rule: '08:00-21:00 local' };
}

/** Whether a call of `minutes` starting at `at` fits the learner's window in their zone. */
export function fitsCallingWindow(at: Date, timeZone: string, minutes: number, window: CallingWindow): boolean {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const opens = local.set({ hour: window.opensHour, minute: 0, second: 0, millisecond: 0 });
  const closes = local.set({ hour: window.closesHour, minute: 0, second: 0, millisecond: 0 });
  return local >= opens && local.plus({ minutes }) <= closes;
}
