import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

const ISSUER = 'callgenly';

/** What each signed token is for; a token minted for one purpose is refused for any other. */
export type TokenPurpose = 'session' | 'invitation' | 'sso-state' | 'calendar-state' | 'unsubscribe' | 'trial-call';

/**
 * Signs and verifies the platform's own short JWTs (HS256 with SESSION_SECRET): session cookies, invitation
 * links and the single-sign-on state cookie. Provider id_tokens are verified elsewhere, against their JWKS.
 */
export class TokenSigner {
  private readonly key: Uint8Array;

  constructor(private readonly secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(purpose: TokenPurpose, claims: Record<string, unknown>, ttlMs: number, ids: { subject?: string; jti?: string } = {}): Promise<string> {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(`${ISSUER}:${purpose}`)
      .setIssuedAt()
      .setExpirationTime(Math.floor((Date.now() + ttlMs) / 1000));
    if (ids.subject) jwt.setSubject(ids.subject);
    if (ids.jti) jwt.setJti(ids.jti);
    return jwt.sign(this.key);
  }

  /** The token's claims, or undefined when it is malformed, forged, expired or meant for something else. */
  async verify(purpose: TokenPurpose, token: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: `${ISSUER}:${purpose}`, algorithms: ['HS256'] });
      return payload;
    } catch {
      return undefined;
    }
  }

  /** A data export's download token: derived from the request, so a retried build mints the same link. */
  exportToken(requestId: string): string {
    return createHmac('sha256', this.secret).update(`export:${requestId}`).digest('base64url');
  }

  /** A per-session CSRF token: derived, so nothing extra is stored, and useless without the session it names. */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${sessionId}`).digest('base64url');
  }
}
