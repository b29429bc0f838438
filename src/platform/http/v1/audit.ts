import type { Request } from 'express';
import { actorOf, type AuthContext } from '../../../accounts/auth/context';
import type { Db, Tx } from '../../db/knex';
import { auditLogRepository, type AuditEntry } from '../../../accounts/repositories/auditLog';

/**
 * Records an audited action with the request's actor, organization, IP and request id. Called inside the
 * same transaction as the change it describes, so a change is never without its entry (and vice versa).
 */
export function audit(
  db: Db | Tx,
  req: Request,
  auth: AuthContext | undefined,
  entry: Pick<AuditEntry, 'action' | 'targetType' | 'targetId' | 'metadata'> & Partial<Pick<AuditEntry, 'orgId' | 'actorType' | 'actorId'>>,
): Promise<void> {
  return auditLogRepository(db).record({
    ...actorOf(auth),
    orgId: auth?.orgId ?? null,
    ip: req.ip,
    requestId: String(req.id ?? ''),
    ...entry,
  });
}
