import request from 'supertest';
import { createDb } from '../../src/platform/db/knex';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';

let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi({ AUTH_LOCKOUT_THRESHOLD: '3', AUTH_LOCKOUT_BASE_MS: '1500', AUTH_RATE_LIMIT_PER_IP: '1000', AUTH_RATE_LIMIT_PER_ACCOUNT: '1000' });
});
afterAll(() => api.close());

function cookieHeader(res: request.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

test('sign up → sign in → change settings → sign out, through HTTP with cookies', async () => {
  const browser = new Browser(api.app, randomIp());
  const email = uniqueEmail('flow');
  const signup = await browser.post('/api/v1/auth/signup', {
    ageConfirmed: true,
    email: email.toUpperCase(),
    password: PASSWORD,
    name: 'Dana',
    organization: { name: 'Northside Physio', timeZone: 'America/Denver' },
  });
  expect(signup.status).toBe(201);
  expect(signup.body.user.email).toBe(email); // normalized
  expect(signup.body.organization).toMatchObject({ name: 'Northside Physio', role: 'owner' });
  const cookies = cookieHeader(signup);
  const session = cookies.find((c) => c.startsWith('cg_session='))!;
  expect(session).toMatch(/HttpOnly/);
  expect(session).toMatch(/SameSite=Lax/);
  expect(session).toMatch(/Expires=/);
  expect(cookies.find((c) => c.startsWith('cg_csrf='))).not.toMatch(/HttpOnly/);
  browser.remember(signup);

  // A second browser signs in with the same account.
  const laptop = new Browser(api.app, randomIp());
  const signedIn = await laptop.signIn(email);
  expect(signedIn.organization.id).toBe(signup.body.organization.id);

  // Settings change: without the CSRF header the cookie alone is not enough.
  const stolenCookieOnly = await laptop.agent.patch('/api/v1/organization').send({ timeZone: 'Europe/London' });
  expect(stolenCookieOnly.status).toBe(403);
  expect(stolenCookieOnly.body.error.code).toBe('csrf_failed');
  const changed = await laptop.patch('/api/v1/organization', {
    timeZone: 'Europe/London',
    recordingEnabled: true,
    recordingAnnouncement: 'Calls are recorded.',
    retentionDays: 30,
    businessHours: { mon: [{ open: '09:00', close: '17:00' }] },
    faq: [{ question: 'Parking?', answer: 'Behind the building.' }],
    transferNumber: '(415) 555-0123',
  });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ timeZone: 'Europe/London', recordingEnabled: true, retentionDays: 30, transferNumber: '+14155550123' });
  expect((await browser.get('/api/v1/organization')).body.timeZone).toBe('Europe/London');

  // Sign-out revokes the session: the same cookie, replayed, no longer works.
  const token = (await laptop.agent.jar.getCookie('cg_session', { domain: '127.0.0.1', path: '/', secure: false, script: false }))?.value;
  expect(token).toBeTruthy();
  expect((await laptop.post('/api/v1/auth/signout')).status).toBe(204);
  const replay = await request(api.app).get('/api/v1/auth/session').set('Cookie', `cg_session=${token}`);
  expect(replay.status).toBe(401);
  expect(replay.body.error.code).toBe('unauthenticated');
  // The other browser's session is untouched.
  expect((await browser.get('/api/v1/auth/session')).status).toBe(200);
});

test('sign-up chooses the product: a receptionist by default, or an English coaching service', async () => {
  const coach = new Browser(api.app, randomIp());
  const signedUp = await coach.post('/api/v1/auth/signup', {
    ageConfirmed: true,
    email: uniqueEmail('coach'),
    password: PASSWORD,
    name: 'Selin',
    organization: { name: 'Speak Up English', timeZone: 'Europe/Istanbul', product: 'coach' },
  });
  expect(signedUp.status).toBe(201);
  coach.remember(signedUp);
  expect((await coach.get('/api/v1/organization')).body.product).toBe('coach');

  const clinic = new Browser(api.app, randomIp());
  await clinic.signUp();
  expect((await clinic.get('/api/v1/organization')).body.product).toBe('receptionist');

  const unknown = await new Browser(api.app, randomIp()).post('/api/v1/auth/signup', {
    ageConfirmed: true,
    email: uniqueEmail('bakery'),
    password: PASSWORD,
    name: 'Ben',
    organization: { name: 'Bakery', timeZone: 'UTC', product: 'bakery' },
  });
  expect([unknown.status, unknown.body.error.field]).toEqual([400, 'organization.product']);
});

test('a wrong password is 401 without saying which part was wrong; unknown emails answer the same', async () => {
  const browser = new Browser(api.app, randomIp());
  const { user } = await browser.signUp();
  const wrong = await new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email: user.email, password: 'not the password at all' });
  const unknown = await new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email: uniqueEmail('nobody'), password: 'not the password at all' });
  expect(wrong.status).toBe(401);
  expect(unknown.status).toBe(401);
  expect(wrong.body).toEqual(unknown.body);
});

test('repeated failures lock the account with growing back-off, even for the right password', async () => {
  const owner = new Browser(api.app, randomIp());
  const { user } = await owner.signUp();
  const attacker = new Browser(api.app, randomIp());
  for (let i = 0; i < 3; i++) expect((await attacker.post('/api/v1/auth/signin', { email: user.email, password: `guess number ${i}` })).status).toBe(401);
  const locked = await attacker.post('/api/v1/auth/signin', { email: user.email, password: PASSWORD });
  expect(locked.status).toBe(429);
  expect(locked.body.error.code).toBe('account_locked');
  expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);

  await new Promise((r) => setTimeout(r, 1600));
  // One more failure after the lock doubles it.
  expect((await attacker.post('/api/v1/auth/signin', { email: user.email, password: 'guess number 4' })).status).toBe(401);
  const relocked = await attacker.post('/api/v1/auth/signin', { email: user.email, password: PASSWORD });
  expect(relocked.status).toBe(429);
  expect(Number(relocked.headers['retry-after'])).toBeGreaterThanOrEqual(2);
  await new Promise((r) => setTimeout(r, 3100));
  expect((await attacker.post('/api/v1/auth/signin', { email: user.email, password: PASSWORD })).status).toBe(200);

  // Every attempt is in the organization's audit log, with the IP it came from.
  const log = await owner.get('/api/v1/audit-log?action=auth.sign_in_failed&limit=100');
  expect(log.body.data.length).toBe(6);
  expect(log.body.data.map((e: { metadata: { reason: string } }) => e.metadata.reason).sort()).toEqual(['locked', 'locked', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password']);
  expect(log.body.data[0].ip).toMatch(/^10\./);
});

test('sign-up enforces the password policy and rejects a taken email with 409', async () => {
  const browser = new Browser(api.app, randomIp());
  const base = { email: uniqueEmail('policy'), name: 'P', organization: { name: 'X', timeZone: 'UTC' }, ageConfirmed: true };
  for (const [password, message] of [
    ['short', 'at least 12'],
    ['aaaaaaaaaaaaaaaa', 'different characters'],
    ['password1234', 'too common'],
    ['x'.repeat(30) + 'é'.repeat(30), 'at most 72 bytes'],
  ] as const) {
    const res = await browser.post('/api/v1/auth/signup', { ...base, password });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'password' });
    expect(res.body.error.message).toContain(message);
  }
  const mentionsEmail = await browser.post('/api/v1/auth/signup', { ...base, password: `${base.email.split('@')[0]}!2024` });
  expect(mentionsEmail.body.error.message).toContain('email');
  const badZone = await browser.post('/api/v1/auth/signup', { ...base, password: PASSWORD, organization: { name: 'X', timeZone: 'Mars/Olympus' } });
  expect(badZone.body.error.field).toBe('organization.timeZone');

  await browser.signUp({ email: base.email });
  const again = await new Browser(api.app, randomIp()).post('/api/v1/auth/signup', { ...base, password: PASSWORD });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('email_taken');
});

test('changing the password signs every other session out', async () => {
  const phone = new Browser(api.app, randomIp());
  const { user } = await phone.signUp();
  const laptop = new Browser(api.app, randomIp());
  await laptop.signIn(user.email);
  const wrongCurrent = await laptop.post('/api/v1/auth/password', { currentPassword: 'not it at all', newPassword: 'a whole new passphrase' });
  expect(wrongCurrent.status).toBe(403);
  expect((await laptop.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'a whole new passphrase' })).status).toBe(204);
  expect((await laptop.get('/api/v1/auth/session')).status).toBe(200);
  expect((await phone.get('/api/v1/auth/session')).status).toBe(401);
  expect((await new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email: user.email, password: PASSWORD })).status).toBe(401);
  await new Browser(api.app, randomIp()).signIn(user.email, 'a whole new passphrase');
});

test('a session cookie is rotated once it is older than the rotation age, and stays valid', async () => {
  // Three seconds: a loaded CI machine must not take the first read past the rotation age.
  const rotating = await startApi({ SESSION_ROTATE_AFTER_MS: '3000' });
  try {
    const browser = new Browser(rotating.app, randomIp());
    await browser.signUp();
    const fresh = await browser.get('/api/v1/auth/session');
    expect(cookieHeader(fresh).some((c) => c.startsWith('cg_session='))).toBe(false);
    await new Promise((r) => setTimeout(r, 3100));
    const rotated = await browser.get('/api/v1/auth/session');
    expect(rotated.status).toBe(200);
    expect(cookieHeader(rotated).some((c) => c.startsWith('cg_session='))).toBe(true);
    expect((await browser.get('/api/v1/auth/session')).status).toBe(200);
  } finally {
    await rotating.close();
  }
});

test('cookies are Secure when the public URL is https, and Secure cannot be turned off there', async () => {
  const secure = await startApi({ PUBLIC_BASE_URL: 'https://admin.example.com' });
  try {
    const res = await new Browser(secure.app, randomIp()).post('/api/v1/auth/signup', {
      ageConfirmed: true,
      email: uniqueEmail('secure'),
      password: PASSWORD,
      name: 'S',
      organization: { name: 'S', timeZone: 'UTC' },
    });
    expect(cookieHeader(res).find((c) => c.startsWith('cg_session='))).toMatch(/Secure/);
  } finally {
    await secure.close();
  }
  await expect(startApi({ PUBLIC_BASE_URL: 'https://admin.example.com', SESSION_COOKIE_SECURE: 'false' })).rejects.toThrow(/SESSION_COOKIE_SECURE/);
});

test('rate limits per IP and per account answer 429 with Retry-After', async () => {
  const limited = await startApi({ AUTH_RATE_LIMIT_PER_IP: '4', AUTH_RATE_LIMIT_PER_ACCOUNT: '3' });
  try {
    const email = uniqueEmail('target');
    // Per account: three attempts at one email from three different IPs, the fourth is refused.
    for (let i = 0; i < 3; i++) await new Browser(limited.app, randomIp()).post('/api/v1/auth/signin', { email, password: 'whatever it is' });
    const perAccount = await new Browser(limited.app, randomIp()).post('/api/v1/auth/signin', { email, password: 'whatever it is' });
    expect(perAccount.status).toBe(429);
    expect(perAccount.body.error.code).toBe('rate_limited');
    expect(perAccount.headers['retry-after']).toBeDefined();
    // Per IP: one IP trying many emails.
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await new Browser(limited.app, ip).post('/api/v1/auth/signin', { email: uniqueEmail('spray'), password: 'whatever it is' })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // Sign-up has its own per-IP budget.
    const signupIp = randomIp();
    const signups: number[] = [];
    for (let i = 0; i < 5; i++) signups.push((await new Browser(limited.app, signupIp).post('/api/v1/auth/signup', { email: 'not-an-email' })).status);
    expect(signups).toEqual([400, 400, 400, 400, 429]);
  } finally {
    await limited.close();
  }
});

test('bad input gets a JSON error with the right status, never internals', async () => {
  const browser = new Browser(api.app, randomIp());
  const malformed = await browser.agent.post('/api/v1/auth/signin').set('Content-Type', 'application/json').send('{"email": ');
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.code).toBe('invalid_json');
  const huge = await browser.agent.post('/api/v1/auth/signin').set('Content-Type', 'application/json').send(JSON.stringify({ email: 'a'.repeat(200_000) }));
  expect(huge.status).toBe(413);
  expect(huge.body.error.code).toBe('payload_too_large');
  const missing = await browser.post('/api/v1/auth/signin', { password: 'x' });
  expect(missing.body.error).toMatchObject({ code: 'invalid_request', field: 'email' });
  const unauthenticated = await browser.get('/api/v1/organization');
  expect(unauthenticated.status).toBe(401);
  const badCursor = await (async () => {
    await browser.signUp();
    return browser.get('/api/v1/members?cursor=bm90LWEtY3Vyc29y');
  })();
  expect(badCursor.status).toBe(400);
  expect(badCursor.body.error.field).toBe('cursor');
  for (const res of [malformed, huge, missing, unauthenticated, badCursor]) {
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|select |insert |stack/i);
  }
  const helmetHeaders = await browser.get('/api/v1/auth/session');
  expect(helmetHeaders.headers['x-content-type-options']).toBe('nosniff');
  expect(helmetHeaders.headers['strict-transport-security']).toBeDefined();
});

test('the audit log is append-only for the application role, enforced by PostgreSQL', async () => {
  const browser = new Browser(api.app, randomIp());
  const { organization } = await browser.signUp();
  const db = createDb(process.env.TEST_DATABASE_URL!, 1);
  try {
    await expect(
      db.transaction(async (trx) => {
        await trx.raw(`select set_config('role', 'callgenly_app', true), set_config('app.org_id', ?, true)`, [organization.id]);
        await trx('audit_log').update({ action: 'tampered' });
      }),
    ).rejects.toThrow(/permission denied/);
    await expect(
      db.transaction(async (trx) => {
        await trx.raw(`select set_config('role', 'callgenly_app', true), set_config('app.org_id', ?, true)`, [organization.id]);
        await trx('audit_log').delete();
      }),
    ).rejects.toThrow(/permission denied/);
  } finally {
    await db.destroy();
  }
  const log = await browser.get('/api/v1/audit-log');
  expect(log.body.data.map((e: { action: string }) => e.action)).toEqual(['auth.signed_in', 'organization.created']);
});
