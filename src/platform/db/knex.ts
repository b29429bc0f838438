import knex, { type Knex } from 'knex';

export type Db = Knex;
export type Tx = Knex.Transaction;

/** One pool per process. `pg` returns bigint/numeric as strings; counts we read are small, so parse int8. */
export function createDb(url: string, poolMax = 10): Db {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: 'callgenly' },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}
