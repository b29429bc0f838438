import { newId } from '../../src/platform/db/ids';
import { withTenant } from '../../src/platform/db/tenancy';
import type { Services } from '../../src/services';

const ALL_WEEK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '00:00', close: '24:00' }]]));

/** Opens the organization around the clock with no minimum notice and adds a 30-minute service (10 minutes' buffer after). */
export async function openAllWeek(services: Services, orgId: string, settings: Record<string, unknown> = {}): Promise<string> {
  await services.db('organizations').where({ id: orgId }).update({
    business_hours: JSON.stringify(ALL_WEEK),
    booking_min_notice_minutes: 0,
    booking_slot_step_minutes: 5,
    ...settings,
  });
  const serviceId = newId('svc');
  await withTenant(services.db, orgId, (trx) =>
    trx('services').insert({ id: serviceId, org_id: orgId, name: `Cleaning ${serviceId.slice(-6)}`, duration_minutes: 30, buffer_after_minutes: 10 }),
  );
  return serviceId;
}

/** The first 5-minute boundary at least `minutes` from now (a slot the rules offer). */
export function slotIn(minutes: number): Date {
  return new Date(Math.ceil((Date.now() + minutes * 60_000) / 300_000) * 300_000);
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
