import type { Request } from 'express';
import type { Tx } from '../platform/db/knex';
import { usersRepository } from './repositories/users';
import { startBillingCycle } from '../billing/cycle';
import { scheduleUsageReport } from '../notifications/schedules';
import { createOrganization } from './createOrganization';
import { audit } from '../platform/http/v1/audit';
import type { V1Deps } from '../platform/http/v1/deps';

/** A new organization with `userId` as its owner, and its creation in the audit log (sign-up, first SSO sign-in). */
export async function createOwnedOrganization(trx: Tx, deps: V1Deps, req: Request, userId: string, input: { name: string; timeZone: string; product?: 'receptionist' | 'coach' }): Promise<string> {
  const org = await createOrganization(trx, deps.keyring, input);
  await usersRepository(trx).addMembership(org.id, userId, 'owner');
  await audit(trx, req, undefined, { orgId: org.id, actorType: 'user', actorId: userId, action: 'organization.created', targetType: 'organization', targetId: org.id });
  return org.id;
}

/** After the creating transaction commits: the weekly report's schedule and the billing cycle (each retried by the relay if Temporal is down). */
export async function organizationCreated(deps: V1Deps, org: { id: string; timeZone: string }): Promise<void> {
  await scheduleUsageReport(deps, org);
  await startBillingCycle(deps, org.id);
}
