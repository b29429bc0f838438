import type { Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import { paginate, type Page } from '../../platform/db/pagination';
import type { Role } from '../auth/roles';

export interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  invited_by_user_id: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

export function invitationsRepository(trx: Tx) {
  return {
    async create(input: { orgId: string; email: string; role: Role; invitedBy: string | null; expiresAt: Date }): Promise<InvitationRow> {
      const [row] = await trx<InvitationRow>('invitations')
        .insert({ id: newId('inv'), org_id: input.orgId, email: input.email, role: input.role, invited_by_user_id: input.invitedBy, expires_at: input.expiresAt })
        .returning('*');
      return row!;
    },

    /** Invitations still waiting for an answer. */
    listPending(page: { cursor?: string; limit: number }): Promise<Page<InvitationRow & Record<string, unknown>>> {
      const q = trx('invitations').whereNull('accepted_at').whereNull('revoked_at').where('expires_at', '>', trx.fn.now()).select('*');
      return paginate(q, { column: 'id', ...page });
    },

    revoke(id: string): Promise<number> {
      return trx('invitations').where({ id }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    },

    /** Single use: only one caller can move a pending invitation to accepted. */
    async accept(id: string, userId: string): Promise<InvitationRow | undefined> {
      const [row] = await trx<InvitationRow>('invitations')
        .where({ id })
        .whereNull('accepted_at')
        .whereNull('revoked_at')
        .where('expires_at', '>', trx.fn.now())
        .update({ accepted_at: trx.fn.now(), accepted_by_user_id: userId } as never)
        .returning('*');
      return row;
    },
  };
}
