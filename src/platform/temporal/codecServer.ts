import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { hasRole } from '../../accounts/auth/roles';
import { Sessions } from '../../accounts/auth/sessions';
import type { TokenSigner } from '../../accounts/auth/tokens';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import { auditLogRepository } from '../../accounts/repositories/auditLog';
import { keyIdOf, type OrganizationPayloadCodec } from './payloadCodec';
import { authenticate } from '../../accounts/auth/authenticate';
import { ApiError } from '../http/errors';

/** Temporal's codec-server wire format: payloads in proto-JSON, bytes base64. */
const Body = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).nullish(), data: z.string().nullish() })).max(1_000),
});
type WirePayload = z.infer<typeof Body>['payloads'][number];

const fromWire = (p: WirePayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
function payloadsOf(body: unknown): Payload[] {
  const parsed = Body.safeParse(body);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', 'Expected {"payloads": [{"metadata": {...}, "data": "<base64>"}]}');
  return parsed.data.payloads.map(fromWire);
}

const toWire = (p: Payload): WirePayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/**
 * The codec server the Temporal Web UI calls to show (`/decode`) and send (`/encode`) encrypted payloads:
 * an admin of an organization, signed in (the UI sends our session cookie with "include credentials") or
 * with an API key, reads that organization's payloads and no other's: payloads under another
 * organization's key come back still encrypted. Each decode is audited, like any read of call data.
 * CORS lets the configured UI origins call it with credentials.
 */
export function codecRoutes(deps: { config: Config; db: Db; tokens: TokenSigner; payloadCodec: OrganizationPayloadCodec }): Router {
  const router = Router();
  const sessions = new Sessions(deps.db, deps.tokens, deps.config.auth);
  router.use(cors({ origin: deps.config.codec.corsOrigins, credentials: true, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'], maxAge: 600 }));
  router.use(express.json({ limit: '4mb' }), cookieParser(), authenticate(deps.db, sessions, deps.config.auth));

  router.post('/decode', async (req, res) => {
    const auth = req.auth;
    if (!auth) throw new ApiError(401, 'unauthenticated', 'Sign in to Callgenly (or send an API key) to read payloads');
    if (!hasRole(auth.role, 'admin')) throw new ApiError(403, 'forbidden', 'Reading workflow payloads needs the admin role');
    const payloads = payloadsOf(req.body);
    let decoded = 0;
    // Another organization's payload, or one whose key was destroyed (a deleted organization), stays as it is.
    const answer = await Promise.all(
      payloads.map(async (p) => {
        if (keyIdOf(p)?.orgId !== auth.orgId) return p;
        const [plain] = await deps.payloadCodec.decode([p]).catch(() => [p]);
        if (plain !== p) decoded++;
        return plain!;
      }),
    );
    if (decoded > 0) {
      await auditLogRepository(deps.db).record({
        orgId: auth.orgId,
        actorType: auth.kind === 'api_key' ? 'api_key' : 'user',
        actorId: auth.userId ?? auth.apiKeyId,
        action: 'temporal.payloads_decoded',
        ip: req.ip,
        metadata: { payloads: decoded, namespace: req.header('x-namespace') ?? null },
      });
    }
    res.json({ payloads: answer.map(toWire) });
  });

  router.post('/encode', async (req, res) => {
    const auth = req.auth;
    if (!auth) throw new ApiError(401, 'unauthenticated', 'Sign in to Callgenly (or send an API key) to send payloads');
    if (!hasRole(auth.role, 'admin')) throw new ApiError(403, 'forbidden', 'Sending workflow payloads needs the admin role');
    const payloads = payloadsOf(req.body);
    res.json({ payloads: (await deps.payloadCodec.encodeFor(auth.orgId, payloads)).map(toWire) });
  });
  return router;
}
