import type { Db, Tx } from '../platform/db/knex';
import { ApiError } from '../platform/http/errors';

/** The organization if it is a coaching service: learners, topics and their exports exist only in one. */
export function coachingOrganization(db: Db | Tx, orgId: string): Promise<{ id: string; name: string; status: string; minimum_age: number } | undefined> {
  return db('organizations').where({ id: orgId, product: 'coach' }).first('id', 'name', 'status', 'minimum_age');
}

/** The coaching organization, or 404 `not_coaching` saying what belongs to coaching organizations only. */
export async function requireCoachingOrganization(db: Db | Tx, orgId: string, message: string): Promise<{ id: string; name: string; status: string; minimum_age: number }> {
  const org = await coachingOrganization(db, orgId);
  if (!org) throw new ApiError(404, 'not_coaching', message);
  return org;
}
