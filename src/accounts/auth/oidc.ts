import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { OidcClientConfig } from '../../platform/config';
import type { SsoProvider } from '../repositories/identities';

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});

const TokenResponse = z.object({ id_token: z.string() });

export interface VerifiedIdentity {
  /** Stable per provider: Google's `sub`; Microsoft's `tid:oid`. */
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

export class SsoError extends Error {
  override name = 'SsoError';
}

/** A fresh state, nonce and PKCE verifier for one sign-in attempt. */
export function newSsoAttempt(): { state: string; nonce: string; verifier: string } {
  const random = () => randomBytes(32).toString('base64url');
  return { state: random(), nonce: random(), verifier: random() };
}

/**
 * OpenID Connect authorization-code flow with PKCE against Google or Microsoft (or any issuer speaking the
 * same wire format, such as the local provider the tests run). The id_token is checked with jose: signature
 * against the provider's JWKS, issuer, audience, expiry and our nonce.
 */
export class OidcClient {
  private discovery?: Promise<z.infer<typeof Discovery>>;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    readonly provider: SsoProvider,
    private readonly config: OidcClientConfig,
    private readonly redirectUri: string,
  ) {}

  async authorizationUrl(attempt: { state: string; nonce: string; verifier: string }): Promise<string> {
    const { authorization_endpoint } = await this.metadata();
    const url = new URL(authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.config.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      state: attempt.state,
      nonce: attempt.nonce,
      code_challenge: createHash('sha256').update(attempt.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      prompt: 'select_account',
    }).toString();
    return url.toString();
  }

  /** Exchanges the code for tokens and returns the verified identity in the id_token. */
  async complete(code: string, verifier: string, nonce: string): Promise<VerifiedIdentity> {
    const meta = await this.metadata();
    const response = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.redirectUri,
        client_id: this.config.clientId,
        client_secret: this.config.clientSecret,
        code_verifier: verifier,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = TokenResponse.safeParse(await response.json().catch(() => undefined));
    if (!response.ok || !body.success) throw new SsoError(`the provider refused the code (HTTP ${response.status})`);
    return this.verifyIdToken(body.data.id_token, nonce);
  }

  async verifyIdToken(idToken: string, nonce: string): Promise<VerifiedIdentity> {
    const meta = await this.metadata();
    this.jwks ??= createRemoteJWKSet(new URL(meta.jwks_uri));
    let payload: JWTPayload;
    try {
      payload = (
        await jwtVerify(idToken, this.jwks, {
          issuer: this.expectedIssuer(meta.issuer, idToken),
          audience: this.config.clientId,
          algorithms: ['RS256', 'ES256'],
          requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
          clockTolerance: 60,
        })
      ).payload;
    } catch (err) {
      throw new SsoError(`the id_token is not valid: ${(err as Error).message}`);
    }
    if (payload.nonce !== nonce) throw new SsoError('the id_token was not issued for this sign-in (nonce mismatch)');
    return this.identityFrom(payload);
  }

  /**
   * Google has one issuer. Microsoft's multi-tenant discovery documents carry `{tenantid}`, filled from the
   * token's own `tid` (the signature check that follows proves the token really came from that tenant's key set).
   */
  private expectedIssuer(template: string, idToken: string): string {
    if (!template.includes('{tenantid}')) return template;
    let tid: unknown;
    try {
      tid = decodeJwt(idToken).tid;
    } catch {
      throw new SsoError('the id_token is not a JWT');
    }
    if (typeof tid !== 'string' || !/^[0-9a-f-]{36}$/i.test(tid)) throw new SsoError('the id_token names no tenant');
    return template.replace('{tenantid}', tid);
  }

  private identityFrom(payload: JWTPayload): VerifiedIdentity {
    const claims = payload as JWTPayload & Record<string, unknown>;
    const email = String(claims.email ?? claims.preferred_username ?? '').toLowerCase();
    if (!email.includes('@')) throw new SsoError('the provider did not share an email address');
    const subject = this.provider === 'microsoft' ? `${String(claims.tid)}:${String(claims.oid ?? payload.sub)}` : payload.sub!;
    // Google says so in email_verified; Microsoft in xms_edov (the email's domain is verified by its tenant).
    const emailVerified = claims.email_verified === true || claims.email_verified === 'true' || claims.xms_edov === true;
    return { subject, email, emailVerified, name: String(claims.name ?? '') };
  }

  private metadata(): Promise<z.infer<typeof Discovery>> {
    this.discovery ??= fetch(`${this.config.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })
      .then(async (r) => {
        if (!r.ok) throw new SsoError(`discovery failed (HTTP ${r.status})`);
        return Discovery.parse(await r.json());
      })
      .catch((err) => {
        this.discovery = undefined; // try again next time rather than caching a failure
        throw err instanceof SsoError ? err : new SsoError(`discovery failed: ${(err as Error).message}`);
      });
    return this.discovery;
  }
}
