/**
 * Dates in the organization's time zone with the browser's own Intl (no date library in the bundle): a local
 * date is a `YYYY-MM-DD` string, and day arithmetic runs on UTC noon of it, which no offset can push into
 * another day.
 */
export type LocalDate = string;

const parts = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The local date of an instant in `timeZone`. */
export const localDateOf = (instant: Date | string, timeZone: string): LocalDate => parts(timeZone).format(new Date(instant));

const noon = (d: LocalDate) => new Date(`${d}T12:00:00Z`);
export const addDays = (d: LocalDate, days: number): LocalDate => new Date(noon(d).getTime() + days * 86_400_000).toISOString().slice(0, 10);

/** The Monday of the week holding `d`. */
export const mondayOf = (d: LocalDate): LocalDate => addDays(d, -((noon(d).getUTCDay() + 6) % 7));

/** A UTC instant safely before (or after) every instant of the local date `d`, whatever the zone: for API ranges. */
export const before = (d: LocalDate) => new Date(`${addDays(d, -1)}T00:00:00Z`).toISOString();
export const after = (d: LocalDate) => new Date(`${addDays(d, 2)}T00:00:00Z`).toISOString();

export const dayLabel = (d: LocalDate) => noon(d).toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'short' });
export const timeIn = (instant: string, timeZone: string) => new Date(instant).toLocaleTimeString(undefined, { timeZone, hour: '2-digit', minute: '2-digit' });
