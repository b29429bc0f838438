import { randomBytes } from 'node:crypto';

/**
 * The OAuth bookkeeping the calendar fakes share: which codes, refresh tokens and access tokens are
 * live, the token endpoint's two grants with their client checks, and a queue of scripted API
 * failures. Wire formats (paths, error bodies, response fields) stay in each fake, as they differ
 * per provider; only the providers' error descriptions come in as options.
 */
export const ACCESS_TOKEN_SECONDS = 3600;

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export type GrantResult =
  | { ok: true; accessToken: string; refreshToken: string | undefined }
  | { ok: false; status: 400 | 401; error: 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type'; description: string };

/** The provider's `error_description` for each refusal of the token endpoint. */
export interface GrantErrorDescriptions {
  invalidClient: string;
  invalidCode: string;
  invalidRefreshToken: string;
  unsupportedGrantType(grantType: string | undefined): string;
}

/** What a test does to a fake's grant. */
export interface OAuthControls {
  /** A code the token endpoint will exchange once. */
  issueCode(): string;
  /** Tokens as if a code had been exchanged earlier, without recording a token request. */
  issueTokens(): { refreshToken: string; accessToken: string; expiresAt: number };
  /** The grant is revoked: refreshes fail with invalid_grant and current access tokens stop working. */
  revoke(): void;
  /** Access tokens issued so far are rejected with 401 from now on (refresh tokens still work). */
  expireAccessTokens(): void;
  /** The next `count` API calls answer `status`. */
  failNext(count: number, status: number): void;
}

export interface OAuthGrants {
  /** Spread into the fake, which exposes them as they are. */
  controls: OAuthControls;
  /** A random token in the provider's encoding, for ids as well as tokens. */
  mint(prefix: string): string;
  /**
   * The token endpoint's decision on form `fields`. `refreshTokenOnCodeExchange: false` leaves the
   * refresh token out of a code exchange, as Google does when the user had already consented.
   */
  grant(fields: Record<string, string>, options?: { refreshTokenOnCodeExchange?: boolean }): GrantResult;
  /** Whether an `Authorization` header carries a live access token. */
  authorized(authorization: string | undefined): boolean;
  /** The scripted status the next API call answers, if any. */
  takeFailure(): number | undefined;
}

export function createOAuthGrants(options: {
  client: OAuthClient;
  codePrefix: string;
  accessPrefix: string;
  refreshPrefix: string;
  encoding: 'hex' | 'base64url';
  /** Whether a refresh also returns a new refresh token (Microsoft's do; the old one stays valid until revoked). */
  rotateRefreshTokens: boolean;
  errors: GrantErrorDescriptions;
}): OAuthGrants {
  const { client, errors } = options;
  const codes = new Set<string>();
  const refreshTokens = new Set<string>();
  const accessTokens = new Set<string>();
  const failures: number[] = [];
  const mint = (prefix: string) => `${prefix}${randomBytes(12).toString(options.encoding)}`;
  const issue = (tokens: Set<string>, prefix: string) => {
    const value = mint(prefix);
    tokens.add(value);
    return value;
  };
  const newAccessToken = () => issue(accessTokens, options.accessPrefix);
  const newRefreshToken = () => issue(refreshTokens, options.refreshPrefix);

  return {
    controls: {
      issueCode: () => issue(codes, options.codePrefix),
      issueTokens: () => ({ refreshToken: newRefreshToken(), accessToken: newAccessToken(), expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000 }),
      revoke: () => {
        refreshTokens.clear();
        accessTokens.clear();
      },
      expireAccessTokens: () => accessTokens.clear(),
      failNext: (count, status) => failures.push(...Array<number>(count).fill(status)),
    },
    mint,
    grant: (fields, { refreshTokenOnCodeExchange = true } = {}) => {
      if (fields.client_id !== client.clientId || fields.client_secret !== client.clientSecret) {
        return { ok: false, status: 401, error: 'invalid_client', description: errors.invalidClient };
      }
      if (fields.grant_type === 'authorization_code') {
        if (!fields.code || !codes.delete(fields.code) || fields.redirect_uri !== client.redirectUri) {
          return { ok: false, status: 400, error: 'invalid_grant', description: errors.invalidCode };
        }
        return { ok: true, accessToken: newAccessToken(), refreshToken: refreshTokenOnCodeExchange ? newRefreshToken() : undefined };
      }
      if (fields.grant_type === 'refresh_token') {
        if (!fields.refresh_token || !refreshTokens.has(fields.refresh_token)) {
          return { ok: false, status: 400, error: 'invalid_grant', description: errors.invalidRefreshToken };
        }
        return { ok: true, accessToken: newAccessToken(), refreshToken: options.rotateRefreshTokens ? newRefreshToken() : undefined };
      }
      return { ok: false, status: 400, error: 'unsupported_grant_type', description: errors.unsupportedGrantType(fields.grant_type) };
    },
    authorized: (authorization) => {
      const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      return bearer !== undefined && accessTokens.has(bearer);
    },
    takeFailure: () => failures.shift(),
  };
}
