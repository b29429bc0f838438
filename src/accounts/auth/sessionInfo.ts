import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Role as RoleType } from './roles';
import { usersRepository } from '../repositories/users';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { Role } from '../../platform/http/v1/schemas';
import { setSessionCookies } from './sessionCookies';
import { notifyAfterCommit } from '../../notifications/notifyAfterCommit';

export const SessionInfo = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
    organization: z.object({ id: z.string(), name: z.string(), role: Role }),
    organizations: z.array(z.object({ id: z.string(), name: z.string(), role: Role })).meta({ description: 'Every organization this person can switch to' }),
    csrfToken: z.string().meta({ description: 'Send as X-CSRF-Token on every state-changing request made with the session cookie' }),
  })
  .meta({ id: 'Session' });

export type SessionInfoBody = z.input<typeof SessionInfo>;

/** What a signed-in person sees about themselves; the organization must be one they belong to. */
export async function sessionInfo(deps: V1Deps, userId: string, orgId: string, sessionId: string): Promise<SessionInfoBody> {
  const users = usersRepository(deps.db);
  const [user, memberships] = await Promise.all([users.findById(userId), users.memberships(userId)]);
  const current = memberships.find((m) => m.org_id === orgId);
  if (!user || !current) throw new ApiError(404, 'not_found', 'No such organization');
  const org = (m: { org_id: string; org_name: string; role: RoleType }) => ({ id: m.org_id, name: m.org_name, role: m.role });
  return {
    user: { id: user.id, email: user.email, name: user.name },
    organization: org(current),
    organizations: memberships.map(org),
    csrfToken: deps.tokens.csrfToken(sessionId),
  };
}

/**
 * Starts a new session (a new id on every sign-in, so a planted cookie is worthless), sets its cookies,
 * records the sign-in, and answers with the session's details.
 */
export async function signIn(
  deps: V1Deps,
  req: Request,
  res: Response,
  input: { userId: string; orgId: string; method: 'password' | 'google' | 'microsoft' | 'invitation' },
): Promise<SessionInfoBody> {
  const device = req.header('user-agent') ?? '';
  const knownDevice = await deps.db('sessions').where({ user_id: input.userId, user_agent: device }).first('id');
  const signedInBefore = knownDevice ?? (await deps.db('sessions').where({ user_id: input.userId }).first('id'));
  const started = await deps.sessions.start({ ...input, ip: req.ip, userAgent: device });
  setSessionCookies(res, started, deps.config.auth);
  await audit(deps.db, req, undefined, {
    orgId: input.orgId,
    actorType: 'user',
    actorId: input.userId,
    action: 'auth.signed_in',
    targetType: 'session',
    targetId: started.sessionId,
    metadata: { method: input.method },
  });
  // A first sign-in from a device this person never used: they hear of it, in case it was not them.
  if (signedInBefore && !knownDevice) {
    await notifyAfterCommit(deps, {
      kind: 'security.new_sign_in',
      orgId: input.orgId,
      payload: { ip: req.ip ?? null, device: device || 'an unknown device', method: input.method },
      to: { userIds: [input.userId] },
      cause: `new-sign-in:${started.sessionId}`,
    });
  }
  return sessionInfo(deps, input.userId, input.orgId, started.sessionId);
}
