import type { Db, Tx } from '../platform/db/knex';

/** The organization if it is a coaching service: learners, topics and their exports exist only in one. */
export function coachingOrganization(db: Db | Tx, orgId: string): Promise<{ id: string; name: string; status: string } | undefined> {
  return db('organizations').where({ id: orgId, product: 'coach' }).first('id', 'name', 'status');
}
