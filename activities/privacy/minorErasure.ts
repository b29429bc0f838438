import { Context } from '@temporalio/activity';
import { auditLogRepository } from '../../src/accounts/repositories/auditLog';
import { usersRepository } from '../../src/accounts/repositories/users';
import { eraseLearner } from '../../src/coaching/closure';
import { vapiClientOf } from '../../src/coaching/engineRecordings';
import type { Config } from '../../src/platform/config';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { MinorErasureInput } from '../../workflows/privacy/deletionDefinitions';

export function createMinorErasureActivities(deps: { db: Db; config: Pick<Config, 'vapi'> }) {
  const vapi = vapiClientOf(deps.config);
  return {
    /**
     * A learner is erased as a closed account past its period would be (recordings at Vapi first); anyone
     * else leaves the organization. Either way, with no other membership left, the person is deleted.
     * Running it again finishes what a crash left.
     */
    async eraseReportedMinor(input: MinorErasureInput): Promise<{ learner: boolean; accountDeleted: boolean }> {
      const heartbeat = () => Context.current().heartbeat();
      const learner = Boolean(await withTenant(deps.db, input.orgId, (trx) => trx('learners').where({ user_id: input.userId }).first('user_id')));
      // Erasing a learner ends their membership (and the person) too.
      if (learner) await eraseLearner({ db: deps.db, vapi }, input.orgId, input.userId, 'reported as a minor', heartbeat);
      else await usersRepository(deps.db).removeFromOrganization(input.orgId, input.userId);
      // Gone, whether this run or a crashed earlier one deleted them.
      const accountDeleted = !(await deps.db('users').where({ id: input.userId }).first('id'));
      await withTenant(deps.db, input.orgId, (trx) =>
        auditLogRepository(trx).record({ orgId: input.orgId, actorType: 'system', actorId: null, action: 'member.minor_erased', targetType: 'user', targetId: input.userId, metadata: { learner, accountDeleted } }),
      );
      return { learner, accountDeleted };
    },
  };
}

export type MinorErasureActivities = ReturnType<typeof createMinorErasureActivities>;
