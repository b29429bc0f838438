import { newId } from '../../src/platform/db/ids';
import { migrationConfig } from '../../src/platform/db/migrate';
import { withTenant } from '../../src/platform/db/tenancy';
import type { Services } from '../../src/services';
import { makeOrganization } from '../helpers/organizations';
import { dropManagedDatabase, managedDatabase, stack, testConfig, testServices } from '../helpers/stack';
import { callNumbers } from '../helpers/phoneNumbers';

/**
 * Tenant isolation is enforced by PostgreSQL itself: row-level security for the application role, and
 * composite foreign keys that carry org_id, so a row can never point into another organization.
 *
 * Every check runs twice: on the suite's database, and on one owned by a role that is neither superuser nor
 * able to create roles, migrated by it (as on a managed PostgreSQL; README, "A managed PostgreSQL").
 */
describe.each([
  { label: "the suite's database", databaseUrl: async () => stack.databaseUrl(), managed: false },
  { label: 'a database owned by a role without superuser or CREATEROLE', databaseUrl: managedDatabase, managed: true },
])('$label', ({ databaseUrl, managed }) => {
  let services: Services;
  let orgA: string;
  let orgB: string;
  const callOf: Record<string, string> = {};

  let url: string;
  beforeAll(async () => {
    url = await databaseUrl();
    services = await testServices(testConfig({ DATABASE_URL: url }));
    orgA = (await makeOrganization(services)).id;
    orgB = (await makeOrganization(services)).id;
    for (const orgId of [orgA, orgB]) {
      const callId = newId('call');
      callOf[orgId] = callId;
      await services.db('calls').insert({
        id: callId,
        org_id: orgId,
        call_sid: `CA${callId.slice(5)}`,
        direction: 'inbound',
        ...(await callNumbers(services.fields, orgId)),
        started_at: new Date(),
      });
      await services.db('transcript_turns').insert({ org_id: orgId, call_id: callId, seq: 1, role: 'caller', text_ciphertext: Buffer.from('x') });
      await services.db('messages').insert({ id: newId('msg'), org_id: orgId, call_id: callId, body_ciphertext: Buffer.from('x') });
      await services.db('audit_log').insert({ org_id: orgId, actor_type: 'system', action: 'test.seeded' });
    }
  });

  afterAll(async () => {
    await services.close();
    if (managed) await dropManagedDatabase(url);
  });

  const TENANT_TABLES = ['calls', 'transcript_turns', 'messages', 'phone_numbers', 'org_data_keys', 'audit_log'];

  describe('reads', () => {
    test.each(TENANT_TABLES)('%s: a tenant sees only its own rows', async (table) => {
      const rows = await withTenant(services.db, orgA, (trx) => trx(table).select('org_id'));
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r: { org_id: string }) => r.org_id))).toEqual(new Set([orgA]));
    });

    test('asking for another organization by id returns nothing', async () => {
      const call = await withTenant(services.db, orgA, (trx) => trx('calls').where({ id: callOf[orgB] }).first());
      expect(call).toBeUndefined();
      const org = await withTenant(services.db, orgA, (trx) => trx('organizations').where({ id: orgB }).first());
      expect(org).toBeUndefined();
      const own = await withTenant(services.db, orgA, (trx) => trx('organizations').select('id'));
      expect(own.map((r: { id: string }) => r.id)).toEqual([orgA]);
    });

    test('without a tenant set, the application role sees nothing', async () => {
      const rows = await services.db.transaction(async (trx) => {
        await trx.raw(`select set_config('role', 'callgenly_app', true)`);
        return trx('calls').select('id');
      });
      expect(rows).toEqual([]);
    });

    test('the tenant setting does not leak to the next transaction on a pooled connection', async () => {
      await withTenant(services.db, orgA, (trx) => trx('calls').select('id'));
      const { rows } = await services.db.raw(`select current_user as role, current_setting('app.org_id', true) as org`);
      expect(rows[0].role).not.toBe('callgenly_app');
      expect(rows[0].org ?? '').toBe('');
    });
  });

  describe('writes', () => {
    test('updates and deletes of another tenant change nothing', async () => {
      const updated = await withTenant(services.db, orgA, (trx) =>
        trx('calls').where({ id: callOf[orgB] }).update({ status: 'failed' }),
      );
      const deleted = await withTenant(services.db, orgA, (trx) => trx('messages').where({ org_id: orgB }).delete());
      const renamed = await withTenant(services.db, orgA, (trx) => trx('organizations').where({ id: orgB }).update({ name: 'pwned' }));
      expect([updated, deleted, renamed]).toEqual([0, 0, 0]);
      const call = await services.db('calls').where({ id: callOf[orgB] }).first();
      expect(call.status).toBe('in_progress');
      expect(await services.db('messages').where({ org_id: orgB }).count({ n: '*' })).toEqual([{ n: '1' }]);
      expect((await services.db('organizations').where({ id: orgB }).first()).name).not.toBe('pwned');
    });

    test('a tenant cannot insert rows for another organization', async () => {
      await expect(
        withTenant(services.db, orgA, (trx) =>
          trx('messages').insert({ id: newId('msg'), org_id: orgB, body_ciphertext: Buffer.from('x') }),
        ),
      ).rejects.toThrow(/row-level security/);
    });

    test('a tenant cannot move its rows into another organization', async () => {
      await expect(
        withTenant(services.db, orgA, (trx) => trx('calls').where({ id: callOf[orgA] }).update({ org_id: orgB })),
      ).rejects.toThrow(/row-level security/);
    });

    test('a composite foreign key rejects a reference into another organization, even for the owner role', async () => {
      // Org A's transcript turn pointing at org B's call.
      await expect(
        services.db('transcript_turns').insert({ org_id: orgA, call_id: callOf[orgB], seq: 99, role: 'caller', text_ciphertext: Buffer.from('x') }),
      ).rejects.toThrow(/foreign key constraint/);
      await expect(
        services.db('messages').insert({ id: newId('msg'), org_id: orgA, call_id: callOf[orgB], body_ciphertext: Buffer.from('x') }),
      ).rejects.toThrow(/foreign key constraint/);
    });

    test('the audit log is append-only for the application role', async () => {
      await withTenant(services.db, orgA, (trx) => trx('audit_log').insert({ org_id: orgA, actor_type: 'system', action: 'test.appended' }));
      await expect(
        withTenant(services.db, orgA, (trx) => trx('audit_log').where({ org_id: orgA }).update({ action: 'rewritten' })),
      ).rejects.toThrow(/permission denied/);
      await expect(withTenant(services.db, orgA, (trx) => trx('audit_log').where({ org_id: orgA }).delete())).rejects.toThrow(
        /permission denied/,
      );
      const actions = (await services.db('audit_log').where({ org_id: orgA }).select('action')).map((r: { action: string }) => r.action);
      expect(actions).toEqual(expect.arrayContaining(['test.seeded', 'test.appended']));
      expect(actions).not.toContain('rewritten');
    });

    test('data keys are read-only for the application role', async () => {
      await expect(
        withTenant(services.db, orgA, (trx) => trx('org_data_keys').where({ org_id: orgA }).update({ wrapped_key: null })),
      ).rejects.toThrow(/permission denied/);
    });
  });

  test('users are visible to a tenant only when they are its members', async () => {
    const member = newId('usr');
    const outsider = newId('usr');
    await services.db('users').insert([
      { id: member, email: `${member}@example.com` },
      { id: outsider, email: `${outsider}@example.com` },
    ]);
    await services.db('memberships').insert([
      { org_id: orgA, user_id: member, role: 'owner' },
      { org_id: orgB, user_id: outsider, role: 'owner' },
    ]);
    const visible = await withTenant(services.db, orgA, (trx) => trx('users').whereIn('id', [member, outsider]).select('id'));
    expect(visible.map((r: { id: string }) => r.id)).toEqual([member]);
  });

  // The one exception: a failed sign-in for an email nobody has belongs to no organization (invisible to
  // every tenant under row-level security, seen only by the operator).
  const ORG_OPTIONAL = new Set(['audit_log', 'notifications']);

  test('schema: every table with org_id has it NOT NULL and row-level security on', async () => {
    const { rows } = await services.db.raw(`
      select c.table_name, c.is_nullable, t.relrowsecurity
      from information_schema.columns c
      join pg_class t on t.relname = c.table_name and t.relkind = 'r'
      join pg_namespace n on n.oid = t.relnamespace and n.nspname = 'public'
      where c.table_schema = 'public' and c.column_name = 'org_id'`);
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows) {
      expect({ table: row.table_name, nullable: row.is_nullable, rls: row.relrowsecurity }).toEqual({
        table: row.table_name,
        nullable: ORG_OPTIONAL.has(row.table_name) ? 'YES' : 'NO',
        rls: true,
      });
    }
  });

  test('every tenant table, listed from the database: under the application role a tenant sees no other organization\'s row, and no tenant sees nothing at all', async () => {
    const { rows: tables } = await services.db.raw(`
      select c.table_name from information_schema.columns c
      join pg_class t on t.relname = c.table_name and t.relkind = 'r'
      join pg_namespace n on n.oid = t.relnamespace and n.nspname = 'public'
      where c.table_schema = 'public' and c.column_name = 'org_id' order by 1`);
    expect(tables.length).toBeGreaterThanOrEqual(30);
    // A row of another organization in every table, where the owner role can put one cheaply: the check is never empty.
    let checked = 0;
    for (const { table_name: table } of tables as Array<{ table_name: string }>) {
      const others = Number((await services.db(table).whereNot({ org_id: orgA }).whereNotNull('org_id').count({ n: '*' }))[0]!.n);
      // A table the application role may not read at all (permission denied) shows nothing either.
      const counted = (q: Promise<Array<Record<string, unknown>>>) => q.then((r) => Number(r[0]!.n), (e: { code?: string }) => (e.code === '42501' ? 0 : Promise.reject(e)));
      const seen = await withTenant(services.db, orgA, (trx) => counted(trx(table).whereNot({ org_id: orgA }).count({ n: '*' })));
      expect({ table, otherOrganizationsRowsSeen: seen }).toEqual({ table, otherOrganizationsRowsSeen: 0 });
      const untenanted = await services.db
        .transaction(async (trx) => {
          await trx.raw(`select set_config('role', 'callgenly_app', true)`);
          return Number((await trx(table).count({ n: '*' }))[0]!.n);
        })
        .catch((e: { code?: string }) => (e.code === '42501' ? 0 : Promise.reject(e)));
      expect({ table, rowsSeenWithoutTenant: untenanted }).toEqual({ table, rowsSeenWithoutTenant: 0 });
      if (others > 0) checked++;
    }
    // Most tables hold other organizations' rows in a shared test database; the count says how many were real checks.
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  test('a tenant transaction gives up on a row lock held too long instead of pinning its connection', async () => {
    const blocker = await services.db.transaction();
    try {
      await blocker('calls').where({ id: callOf[orgA] }).forUpdate().first('id');
      const began = Date.now();
      const waiting = withTenant(services.db, orgA, (trx) => trx('calls').where({ id: callOf[orgA] }).update({ outcome: 'info_only' }));
      await expect(waiting).rejects.toMatchObject({ code: '55P03' }); // lock_not_available
      expect(Date.now() - began).toBeLessThan(15_000);
    } finally {
      await blocker.rollback();
    }
    // The limit is the transaction's own: the next use of a pooled connection has the server default.
    expect((await services.db.raw('show lock_timeout')).rows[0].lock_timeout).toBe('0');
  });

  test('who migrated it', async () => {
    const { rows } = await services.db.raw('select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user');
    if (managed) expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    const [, pending] = (await services.db.migrate.list(migrationConfig)) as [unknown, unknown[]];
    expect(pending).toEqual([]);
  });
});
