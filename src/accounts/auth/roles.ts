/**
 * learner < member < admin < owner: each role can do everything the ones before it can. A learner (a
 * coaching organization's student) is below every staff role, so no staff endpoint admits one; learners
 * reach only their own data, through endpoints for signed-in people.
 */
export const ROLES = ['learner', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** The organization's own people: invited, listed as members, given roles. */
export const STAFF_ROLES = ['member', 'admin', 'owner'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function hasRole(actual: Role, needed: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(needed);
}
