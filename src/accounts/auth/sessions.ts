import type { AuthConfig } from '../../platform/config';
import { newId } from '../../platform/db/ids';
import type { Db } from '../../platform/db/knex';
import { sessionsRepository, type ActiveSession } from '../repositories/sessions';
import type { TokenSigner } from './tokens';

export interface StartedSession {
  sessionId: string;
  token: string;
  csrfToken: string;
  /** When the cookie itself expires (idle limit), never past the session's absolute end. */
  cookieExpiresAt: Date;
}

/**
 * Sessions are rows; the cookie is a short-lived JWT naming one. Every request checks the row (revoked,
 * expired, membership gone), and a token older than the rotation age is replaced by a fresh one.
 */
export class Sessions {
  private readonly repo;

  constructor(
    db: Db,
    private readonly tokens: TokenSigner,
    private readonly config: AuthConfig,
  ) {
    this.repo = sessionsRepository(db);
  }

  async start(input: { userId: string; orgId: string; method: 'password' | 'google' | 'microsoft' | 'invitation'; ip?: string; userAgent?: string }): Promise<StartedSession> {
    const sessionId = newId('ses');
    const expiresAt = new Date(Date.now() + this.config.sessionMaxAgeMs);
    await this.repo.create({ id: sessionId, ...input, expiresAt });
    return this.issue(sessionId, input.userId, input.orgId, expiresAt);
  }

  /** The live session a token names, and a replacement token when this one is due for rotation. */
  async resolve(token: string): Promise<{ session: ActiveSession; rotated?: StartedSession } | undefined> {
    const claims = await this.tokens.verify('session', token);
    if (!claims?.jti || !claims.sub) return undefined;
    const session = await this.repo.findActive(claims.jti);
    if (!session || session.user_id !== claims.sub) return undefined;
    const ageMs = Date.now() - (claims.iat ?? 0) * 1000;
    if (ageMs < this.config.sessionRotateAfterMs) return { session };
    await this.repo.touch(session.id);
    return { session, rotated: await this.issue(session.id, session.user_id, session.org_id, session.expires_at) };
  }

  revoke(sessionId: string): Promise<number> {
    return this.repo.revoke(sessionId);
  }

  revokeOthers(userId: string, keepSessionId: string): Promise<number> {
    return this.repo.revokeAllForUser(userId, keepSessionId);
  }

  private async issue(sessionId: string, userId: string, orgId: string, expiresAt: Date): Promise<StartedSession> {
    const cookieExpiresAt = new Date(Math.min(expiresAt.getTime(), Date.now() + this.config.sessionIdleTtlMs));
    const token = await this.tokens.sign('session', { org: orgId }, cookieExpiresAt.getTime() - Date.now(), { subject: userId, jti: sessionId });
    return { sessionId, token, csrfToken: this.tokens.csrfToken(sessionId), cookieExpiresAt };
  }
}
