import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { readBody } from './http';

/** How the next id_token should be wrong, to check the platform refuses it. */
export type Tamper = 'none' | 'forged' | 'expired' | 'wrong-nonce' | 'wrong-audience' | 'wrong-issuer';

export interface FakeUser {
  sub: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
}

/**
 * A local OpenID Connect provider speaking Google's or Microsoft's wire format: discovery, authorize
 * (consents at once for `nextUser`), token (checks the client secret, redirect URI and PKCE verifier) and
 * JWKS, issuing RS256 id_tokens really signed with a key the JWKS publishes.
 */
export class FakeOidcProvider {
  nextUser: FakeUser = { sub: 'user-1', email: 'someone@example.com', emailVerified: true, name: 'Someone' };
  tamper: Tamper = 'none';
  readonly tenantId = randomUUID();
  readonly tokenRequests: Array<Record<string, string>> = [];
  private server!: Server;
  private base = '';
  private key!: CryptoKey;
  private otherKey!: CryptoKey;
  private jwk!: JWK;
  private readonly codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; user: FakeUser }>();

  constructor(
    readonly kind: 'google' | 'microsoft',
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  /** What the platform is configured with: Google's issuer, or Microsoft's multi-tenant authority. */
  get issuerSetting(): string {
    return this.kind === 'google' ? this.base : `${this.base}/common/v2.0`;
  }

  /** The `iss` a genuine token carries. */
  private get tokenIssuer(): string {
    return this.kind === 'google' ? this.base : `${this.base}/${this.tenantId}/v2.0`;
  }

  async start(): Promise<this> {
    const pair = await generateKeyPair('RS256');
    this.key = pair.privateKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    // Same kid, another key: what a forger without the provider's private key can make.
    this.otherKey = (await generateKeyPair('RS256')).privateKey;
    this.server = createServer((req, res) => {
      this.handle(req.method ?? 'GET', new URL(req.url ?? '/', this.base), req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (err) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(method: string, url: URL, req: import('node:http').IncomingMessage) {
    const json = (status: number, value: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    const discoveryPath = this.kind === 'google' ? '/.well-known/openid-configuration' : '/common/v2.0/.well-known/openid-configuration';
    if (method === 'GET' && url.pathname === discoveryPath) {
      return json(200, {
        issuer: this.kind === 'google' ? this.base : `${this.base}/{tenantid}/v2.0`,
        authorization_endpoint: `${this.base}/authorize`,
        token_endpoint: `${this.base}/token`,
        jwks_uri: `${this.base}/jwks`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (method === 'GET' && url.pathname === '/jwks') return json(200, { keys: [this.jwk] });
    if (method === 'GET' && url.pathname === '/authorize') {
      const p = url.searchParams;
      if (p.get('client_id') !== this.clientId || p.get('code_challenge_method') !== 'S256' || !p.get('nonce') || !p.get('state')) {
        return json(400, { error: 'invalid_request' });
      }
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, { nonce: p.get('nonce')!, challenge: p.get('code_challenge')!, redirectUri: p.get('redirect_uri')!, user: this.nextUser });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state')!);
      return { status: 302, headers: { location: back.toString() }, body: '' };
    }
    if (method === 'POST' && url.pathname === '/token') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      this.tokenRequests.push(form);
      const grant = this.codes.get(form.code ?? '');
      this.codes.delete(form.code ?? '');
      const verifierOk = grant && createHash('sha256').update(form.code_verifier ?? '').digest('base64url') === grant.challenge;
      if (!grant || form.client_id !== this.clientId || form.client_secret !== this.clientSecret || form.redirect_uri !== grant.redirectUri || !verifierOk) {
        return json(400, { error: 'invalid_grant' });
      }
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 3600, id_token: await this.idToken(grant.user, grant.nonce) });
    }
    return json(404, { error: 'not_found' });
  }

  private idToken(user: FakeUser, nonce: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { nonce: this.tamper === 'wrong-nonce' ? 'another-nonce' : nonce, email: user.email, name: user.name ?? '' };
    if (this.kind === 'google') claims.email_verified = user.emailVerified ?? true;
    else Object.assign(claims, { tid: this.tenantId, oid: `oid-${user.sub}`, preferred_username: user.email, ...(user.emailVerified ? { xms_edov: true } : {}) });
    const iat = this.tamper === 'expired' ? now - 7200 : now;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(this.tamper === 'wrong-issuer' ? 'https://evil.example' : this.tokenIssuer)
      .setAudience(this.tamper === 'wrong-audience' ? 'someone-else' : this.clientId)
      .setSubject(user.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(this.tamper === 'forged' ? this.otherKey : this.key);
  }
}

