import { z } from 'zod';
import { generateApiKey } from '../auth/apiKeys';
import { apiKeysRepository, type ApiKeyRow } from '../repositories/apiKeys';
import { withTenant } from '../../platform/db/tenancy';
import type { Tx } from '../../platform/db/knex';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import type { V1Deps } from '../../platform/http/v1/deps';
import type { AuthContext } from '../auth/context';
import { usersRepository } from '../repositories/users';
import { idOf, iso, pageBody, pageOf, PageQuery, Timestamp } from '../../platform/http/v1/schemas';

const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The visible start of the key, to recognise it' }),
    createdByUserId: z.string().nullable(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

const toApi = (k: ApiKeyRow): z.input<typeof ApiKey> => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdByUserId: k.created_by_user_id,
  createdAt: iso(k.created_at)!,
  lastUsedAt: iso(k.last_used_at),
  revokedAt: iso(k.revoked_at),
});

export const apiKeyRoutes = [
  defineRoute({
    method: 'get',
    path: '/api-keys',
    operationId: 'listApiKeys',
    summary: "The organization's API keys (never their secrets)",
    tag: 'API keys',
    access: 'admin',
    query: PageQuery,
    response: { schema: pageOf(ApiKey, 'ApiKeyPage'), description: 'A page of API keys' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await apiKeysRepository(trx).list(query);
        return pageBody(page, toApi);
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key; the key is in this response only, it cannot be shown again',
    tag: 'API keys',
    access: 'admin',
    body: z.object({ name: z.string().trim().min(1).max(100) }),
    response: {
      status: 201,
      schema: ApiKey.extend({ key: z.string().meta({ description: 'Send as `Authorization: Bearer <key>`' }) }).meta({ id: 'CreatedApiKey' }),
      description: 'The new key, with its secret',
    },
    async handle({ auth, body, deps, req }) {
      // A leaked key must not be able to mint itself successors.
      if (auth.kind !== 'session') throw new ApiError(403, 'session_required', 'API keys are created by a signed-in admin, not by another key');
      const generated = generateApiKey();
      const { row, alerts } = await withTenant(deps.db, auth.orgId, async (trx) => {
        const created = await apiKeysRepository(trx).create({ orgId: auth.orgId, name: body.name, prefix: generated.prefix, hash: generated.hash, createdBy: auth.userId });
        await audit(trx, req, auth, { action: 'api_key.created', targetType: 'api_key', targetId: created.id, metadata: { name: body.name, prefix: created.prefix } });
        return { row: created, alerts: await keyAlert(trx, deps, auth, 'security.api_key_created', created) };
      });
      await deps.notifier.start(alerts);
      return { ...toApi(row), key: generated.key };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/api-keys/{keyId}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key; it stops working at once',
    tag: 'API keys',
    access: 'admin',
    params: z.object({ keyId: idOf('key') }),
    errors: [404],
    async handle({ auth, deps, params, req }) {
      const alerts = await withTenant(deps.db, auth.orgId, async (trx) => {
        const keys = apiKeysRepository(trx);
        const key = await keys.find(params.keyId);
        if (!key) throw new ApiError(404, 'not_found', 'No such API key');
        if ((await keys.revoke(params.keyId)) === 0) return []; // revoked before: nothing changed
        await audit(trx, req, auth, { action: 'api_key.revoked', targetType: 'api_key', targetId: params.keyId });
        return keyAlert(trx, deps, auth, 'security.api_key_revoked', key);
      });
      await deps.notifier.start(alerts);
    },
  }),
];

/**
 * Owners and admins hear of every key created or revoked (a key is the organization's, not one
 * person's): written in the change's transaction, started after it commits.
 */
async function keyAlert(trx: Tx, deps: V1Deps, auth: AuthContext, kind: 'security.api_key_created' | 'security.api_key_revoked', key: { id: string; name: string; prefix: string }) {
  const actor = (auth.userId && (await usersRepository(trx).findById(auth.userId))?.email) || 'an API key';
  return deps.notifier.write({ kind, orgId: auth.orgId, payload: { keyName: key.name, keyPrefix: key.prefix, actor }, to: { roles: ['owner', 'admin'] }, cause: `${kind}:${key.id}` }, trx);
}
