import type { Db } from '../../platform/db/knex';

export type SsoProvider = 'google' | 'microsoft';

/** Links between a provider's stable subject and our user, made on first single sign-on. */
export function identitiesRepository(db: Db) {
  return {
    async findUserId(provider: SsoProvider, subject: string): Promise<string | undefined> {
      const row = await db('user_identities').where({ provider, subject }).first('user_id');
      return row?.user_id;
    },

    link(provider: SsoProvider, subject: string, userId: string): Promise<unknown> {
      return db('user_identities').insert({ provider, subject, user_id: userId, last_sign_in_at: db.fn.now() }).onConflict(['provider', 'subject']).merge(['last_sign_in_at']);
    },
  };
}
