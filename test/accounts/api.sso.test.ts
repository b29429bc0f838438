import request from 'supertest';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';
import { FakeOidcProvider, type Tamper } from '../fakes/oidc';

const google = new FakeOidcProvider('google', 'google-client', 'google-secret');
const microsoft = new FakeOidcProvider('microsoft', 'ms-client', 'ms-secret');
let api: Awaited<ReturnType<typeof startApi>>;

beforeAll(async () => {
  await Promise.all([google.start(), microsoft.start()]);
  api = await startApi({
    GOOGLE_OAUTH_CLIENT_ID: google.clientId,
    GOOGLE_OAUTH_CLIENT_SECRET: google.clientSecret,
    GOOGLE_OIDC_ISSUER: google.issuerSetting,
    MICROSOFT_OAUTH_CLIENT_ID: microsoft.clientId,
    MICROSOFT_OAUTH_CLIENT_SECRET: microsoft.clientSecret,
    MICROSOFT_OIDC_AUTHORITY: microsoft.issuerSetting,
  });
});
afterAll(async () => {
  await api.close();
  await Promise.all([google.close(), microsoft.close()]);
});
afterEach(() => {
  google.tamper = 'none';
  microsoft.tamper = 'none';
});

/** Plays the browser's part: start at our API, let the provider consent, come back to the callback. */
async function signInWith(browser: Browser, provider: 'google' | 'microsoft', query = '') {
  const start = await browser.get(`/api/v1/auth/sso/${provider}/start${query}`);
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.location!);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const consent = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location')!);
  return browser.get(`${callback.pathname}${callback.search}`);
}

test.each(['google', 'microsoft'] as const)('first sign-in with %s creates the user and an organization; the next one signs into it', async (provider) => {
  const idp = provider === 'google' ? google : microsoft;
  const email = uniqueEmail(provider);
  idp.nextUser = { sub: `sub-${email}`, email, emailVerified: true, name: 'Robin Ortiz' };
  // Adults only: a first sign-in makes an account only for someone who confirmed their age where they began.
  const unconfirmed = await signInWith(new Browser(api.app, randomIp()), provider, '?timeZone=Europe/Dublin');
  expect([unconfirmed.status, unconfirmed.body.error.code]).toEqual([400, 'age_not_confirmed']);
  expect(await api.services.db('users').where({ email }).first('id')).toBeUndefined();
  idp.nextUser = { sub: `sub-${email}`, email, emailVerified: true, name: 'Robin Ortiz' };
  const browser = new Browser(api.app, randomIp());
  const first = await signInWith(browser, provider, `?timeZone=Europe/Dublin&ageConfirmed=true${provider === 'microsoft' ? '&product=coach' : ''}`);
  expect(first.status).toBe(200);
  expect(first.body.user).toMatchObject({ email, name: 'Robin Ortiz' });
  expect(first.body.organization).toMatchObject({ name: "Robin Ortiz's organization", role: 'owner' });
  browser.remember(first);
  expect((await browser.get('/api/v1/organization')).body).toMatchObject({ timeZone: 'Europe/Dublin', product: provider === 'microsoft' ? 'coach' : 'receptionist' });
  // The token request carried the PKCE verifier and the client secret.
  expect(idp.tokenRequests.at(-1)).toMatchObject({ grant_type: 'authorization_code', client_secret: idp.clientSecret });
  expect(idp.tokenRequests.at(-1)!.code_verifier).toMatch(/^[\w-]{43}$/);

  const again = await signInWith(new Browser(api.app, randomIp()), provider);
  expect(again.status).toBe(200);
  expect(again.body.user.id).toBe(first.body.user.id);
  expect(again.body.organization.id).toBe(first.body.organization.id);

  const log = await browser.get('/api/v1/audit-log?action=auth.signed_in');
  expect(log.body.data.map((e: { metadata: { method: string } }) => e.metadata.method)).toEqual([provider, provider]);
});

test('a verified email links to the existing password account instead of creating another', async () => {
  const owner = new Browser(api.app, randomIp());
  const { user, organization } = await owner.signUp();
  google.nextUser = { sub: `sub-${user.email}`, email: user.email, emailVerified: true, name: 'Owner' };
  const res = await signInWith(new Browser(api.app, randomIp()), 'google');
  expect(res.status).toBe(200);
  expect(res.body.user.id).toBe(user.id);
  expect(res.body.organization.id).toBe(organization.id);
  // The password still works too.
  await new Browser(api.app, randomIp()).signIn(user.email, PASSWORD);
});

test('an unverified email neither links to nor creates an account', async () => {
  const owner = new Browser(api.app, randomIp());
  const { user } = await owner.signUp();
  microsoft.nextUser = { sub: `sub-unverified-${user.email}`, email: user.email, emailVerified: false };
  const res = await signInWith(new Browser(api.app, randomIp()), 'microsoft');
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('email_not_verified');
});

test.each<[Tamper, RegExp]>([
  ['forged', /signature/],
  ['expired', /"exp"/],
  ['wrong-nonce', /nonce/],
  ['wrong-audience', /"aud"/],
  ['wrong-issuer', /"iss"/],
])('a %s id_token is refused and no session is made', async (tamper, reason) => {
  for (const [provider, idp] of [['google', google], ['microsoft', microsoft]] as const) {
    idp.tamper = tamper;
    idp.nextUser = { sub: `sub-${tamper}`, email: uniqueEmail(tamper), emailVerified: true };
    const browser = new Browser(api.app, randomIp());
    const res = await signInWith(browser, provider, '?ageConfirmed=true');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('sso_failed');
    expect(res.body.error.message).toMatch(reason);
    expect((await browser.get('/api/v1/auth/session')).status).toBe(401);
  }
});

test('a callback without the state cookie of the browser that started it is refused (login CSRF)', async () => {
  google.nextUser = { sub: 'sub-csrf', email: uniqueEmail('csrf'), emailVerified: true };
  const attacker = new Browser(api.app, randomIp());
  const start = await attacker.get('/api/v1/auth/sso/google/start');
  const consent = await fetch(new URL(start.headers.location!), { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location')!);
  // The victim's browser never started a sign-in: no state cookie.
  const victim = await request(api.app).get(`${callback.pathname}${callback.search}`);
  expect(victim.status).toBe(400);
  expect(victim.body.error.code).toBe('sso_state_mismatch');
  // A tampered state in the attacker's own browser fails too.
  callback.searchParams.set('state', 'something-else');
  expect((await attacker.get(`${callback.pathname}${callback.search}`)).status).toBe(400);
});

test('a provider that is not configured answers 404, and the sign-in page is told which are', async () => {
  expect((await request(api.app).get('/api/v1/auth/methods')).body).toEqual({ password: true, google: true, microsoft: true });
  const bare = await startApi();
  try {
    expect((await request(bare.app).get('/api/v1/auth/methods')).body).toEqual({ password: true, google: false, microsoft: false });
    const res = await request(bare.app).get('/api/v1/auth/sso/google/start');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('sso_not_configured');
  } finally {
    await bare.close();
  }
});
