import { DateTime } from 'luxon';

/** How an appointment time is said and texted: "Tuesday 1 December at 9:30 AM", in the business's zone. */
export function spokenTime(at: Date | string, zone: string): string {
  return DateTime.fromJSDate(new Date(at), { zone }).toFormat("cccc d LLLL 'at' h:mm a");
}
