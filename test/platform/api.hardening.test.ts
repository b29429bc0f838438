import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';

/**
 * The defects found from outside, each kept fixed: a refused invitation that still created the account,
 * 500s anyone could trigger without credentials, a client-chosen X-Forwarded-For, lockout telling real
 * accounts from unknown emails, public metrics and cacheable secrets, pages waiting on a workflow nobody answers.
 */
let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi({ AUTH_RATE_LIMIT_PER_IP: '1000', AUTH_RATE_LIMIT_PER_ACCOUNT: '1000', AUTH_LOCKOUT_THRESHOLD: '3', AUTH_LOCKOUT_BASE_MS: '60000' });
});
afterAll(() => api.close());

const usersWithEmail = (email: string) => api.services.db('users').whereRaw('lower(email) = lower(?)', [email]);

describe('invitations', () => {
  test('accepting a revoked invitation creates no account; the real person can then join with their own password', async () => {
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    const email = uniqueEmail('invitee');
    const revoked = await owner.post('/api/v1/invitations', { email, role: 'member' });
    expect((await owner.delete(`/api/v1/invitations/${revoked.body.id}`)).status).toBe(204);

    const squatter = await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: revoked.body.token, name: 'Squatter', password: 'the squatters own password' });
    expect(squatter.status).toBe(404);
    expect(squatter.body.error.code).toBe('invitation_invalid');
    expect(await usersWithEmail(email)).toHaveLength(0);

    // A fresh invitation: the invitee chooses their own password, as a new account.
    const fresh = await owner.post('/api/v1/invitations', { email, role: 'member' });
    const joined = await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: fresh.body.token, name: 'Real Person', password: PASSWORD });
    expect(joined.status).toBe(200);
    expect(await usersWithEmail(email)).toMatchObject([{ name: 'Real Person' }]);
  });

  test('an expired invitation creates no account either', async () => {
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    const email = uniqueEmail('late');
    const invite = await owner.post('/api/v1/invitations', { email, role: 'member' });
    // The row has expired while its token is still within its own lifetime.
    await api.services.db('invitations').where({ id: invite.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const late = await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Late', password: PASSWORD });
    expect(late.status).toBe(404);
    expect(await usersWithEmail(email)).toHaveLength(0);
  });

  test('the same invitation accepted at once by several new accounts: one joins, the others get 409 or 404, never 500', async () => {
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    const email = uniqueEmail('race');
    const invite = await owner.post('/api/v1/invitations', { email, role: 'member' });
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: `Racer ${i}`, password: PASSWORD })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const s of statuses.filter((x) => x !== 200)) expect([404, 409]).toContain(s);
    expect(await usersWithEmail(email)).toHaveLength(1);
  });
});

test('concurrent sign-ups with one email: exactly one account, the others 409 email_taken', async () => {
  const email = uniqueEmail('twin');
  const answers = await Promise.all(
    Array.from({ length: 5 }, () =>
      new Browser(api.app, randomIp()).post('/api/v1/auth/signup', { ageConfirmed: true, email, password: PASSWORD, name: 'Twin', organization: { name: 'Twin Clinic', timeZone: 'UTC' } }),
    ),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
  for (const a of answers.filter((x) => x.status !== 201)) expect([a.status, a.body.error.code]).toEqual([409, 'email_taken']);
  expect(await usersWithEmail(email)).toHaveLength(1);
});

describe('no request anyone can send is a 500', () => {
  test('a malformed percent-encoding in a path parameter is 400', async () => {
    for (const path of ['/api/v1/members/%E0%A4%A', '/api/v1/calls/%', '/api/v1/invitations/%zz']) {
      const res = await request(api.app).get(path);
      expect([path, res.status, res.body.error.code]).toEqual([path, 400, 'invalid_path']);
    }
  });

  test.each([
    ['gzip', gzipSync(Buffer.from('{"email":"a@b.c","password":"x"}')).subarray(0, 20)],
    ['deflate', Buffer.from('definitely not deflate')],
    ['br', brotliCompressSync(Buffer.from('{"a":1}')).subarray(0, 3)],
    ['deflate', Buffer.concat([deflateSync(Buffer.from('{"a":')), Buffer.from('trailing garbage')])],
  ])('a corrupt %s body is a 4xx JSON error', async (encoding, body) => {
    const res = await request(api.app).post('/api/v1/auth/signin').set('Content-Type', 'application/json').set('Content-Encoding', encoding).send(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toEqual(expect.any(String));
  });

  test('a NUL or a lone surrogate in any stored string is 400 invalid_text and changes nothing', async () => {
    for (const bad of ['Dana\u0000', 'Dana\ud800', '\udfffDana', 'Da\u0007na']) {
      const email = uniqueEmail('nul');
      const signUp = await new Browser(api.app, randomIp()).post('/api/v1/auth/signup', { ageConfirmed: true, email, password: PASSWORD, name: bad, organization: { name: 'Clinic', timeZone: 'UTC' } });
      expect([JSON.stringify(bad), signUp.status, signUp.body.error.code]).toEqual([JSON.stringify(bad), 400, 'invalid_text']);
      const orgName = await new Browser(api.app, randomIp()).post('/api/v1/auth/signup', { ageConfirmed: true, email, password: PASSWORD, name: 'Dana', organization: { name: bad, timeZone: 'UTC' } });
      expect(orgName.status).toBe(400);
      expect(await usersWithEmail(email)).toHaveLength(0);
    }
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    const before = (await owner.get('/api/v1/organization')).body;
    for (const patch of [{ greeting: 'Hello\u0000' }, { name: 'Clinic \ud83d' }, { faq: [{ question: 'Q\u0000', answer: 'A' }] }]) {
      const res = await owner.patch('/api/v1/organization', patch);
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_text']);
    }
    expect((await owner.get('/api/v1/organization')).body).toEqual(before);
    expect((await owner.post('/api/v1/api-keys', { name: 'key\u0000' })).status).toBe(400);
    expect((await owner.get('/api/v1/audit-log?action=%00')).status).toBe(400);
    expect((await owner.get('/api/v1/audit-log?action=%ED%A0%80')).status).not.toBe(500);
  });

  test('a body nested absurdly deep is 400, not a crash', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await request(api.app).post('/api/v1/auth/signin').set('Content-Type', 'application/json').send(`{"email":${deep}}`);
    expect(res.status).toBe(400);
  });
});

describe('trust and leaks', () => {
  test('X-Forwarded-For is believed from the configured proxies only (loopback by default)', async () => {
    const trusts = api.app.get('trust proxy fn') as (address: string, hop: number) => boolean;
    expect(trusts('127.0.0.1', 0)).toBe(true);
    for (const address of ['10.1.2.3', '172.16.0.9', '192.168.1.20', 'fd00::1', '169.254.1.1', '203.0.113.7']) expect([address, trusts(address, 0)]).toEqual([address, false]);

    const none = await startApi({ TRUST_PROXY: 'none' });
    try {
      const email = uniqueEmail('xff');
      await request(none.app).post('/api/v1/auth/signin').set('X-Forwarded-For', '198.51.100.77').send({ email, password: 'wrong password here' });
      const [entry] = await none.services.db('audit_log').where({ action: 'auth.sign_in_failed' }).whereRaw("metadata->>'email' = ?", [email]);
      expect(entry.ip).not.toBe('198.51.100.77');
      expect(['127.0.0.1', '::1', '::ffff:127.0.0.1']).toContain(entry.ip);
    } finally {
      await none.close();
    }
  });

  test('once locked out, a real account and an unknown email answer alike', async () => {
    const owner = new Browser(api.app, randomIp());
    const { user } = await owner.signUp();
    const unknown = uniqueEmail('ghost');
    const attempt = (email: string) => new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email, password: 'not the password at all' });
    for (let i = 0; i < 3; i++) {
      const [real, ghost] = await Promise.all([attempt(user.email), attempt(unknown)]);
      expect([real.status, real.body.error.code]).toEqual([ghost.status, ghost.body.error.code]);
    }
    const [real, ghost] = await Promise.all([attempt(user.email), attempt(unknown)]);
    expect(real.status).toBe(429);
    expect([real.status, real.body.error.code, Object.keys(real.headers).includes('retry-after')]).toEqual([ghost.status, ghost.body.error.code, Object.keys(ghost.headers).includes('retry-after')]);
    // Locked means locked: the right password is refused too, alike.
    expect((await new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email: user.email, password: PASSWORD })).status).toBe(429);
    // The lockout table names nobody.
    expect(JSON.stringify(await api.services.db('sign_in_lockouts'))).not.toContain(unknown);
  });

  test('/metrics needs METRICS_TOKEN (outside development)', async () => {
    expect((await request(api.app).get('/metrics')).status).toBe(404);
    const scraped = await startApi({ METRICS_TOKEN: 'a-long-random-metrics-token' });
    try {
      expect((await request(scraped.app).get('/metrics')).status).toBe(401);
      expect((await request(scraped.app).get('/metrics').set('Authorization', 'Bearer wrong-token-of-some-length')).status).toBe(401);
      const ok = await request(scraped.app).get('/metrics').set('Authorization', 'Bearer a-long-random-metrics-token');
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('process_cpu_user_seconds_total');
    } finally {
      await scraped.close();
    }
  });

  test('authenticated answers, the one-time secrets among them, are never cached', async () => {
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    const key = await owner.post('/api/v1/api-keys', { name: 'ci' });
    expect(key.status).toBe(201);
    expect(key.headers['cache-control']).toBe('no-store');
    const invite = await owner.post('/api/v1/invitations', { email: uniqueEmail('x'), role: 'member' });
    expect(invite.headers['cache-control']).toBe('no-store');
    expect((await owner.get('/api/v1/auth/session')).headers['cache-control']).toBe('no-store');
    expect((await request(api.app).get('/api/v1/calls').set('Authorization', `Bearer ${key.body.key}`)).headers['cache-control']).toBe('no-store');
  });
});

describe('pages that read a workflow answer in time when no worker answers it (here none runs)', () => {
  test('the billing page: within its 3 s, the running count left out, every time', async () => {
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await owner.get('/api/v1/billing');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ plan: 'subscription', currentPeriod: null });
      expect(Date.now() - started).toBeLessThan(4_000);
    }
  });

  test("a deletion's progress: 503 deletion_unavailable within 3 s, not the server's 30 s", async () => {
    const owner = new Browser(api.app, randomIp());
    await owner.signUp();
    expect((await owner.post('/api/v1/organization/deletion', { password: PASSWORD })).status).toBe(202);
    const started = Date.now();
    const res = await owner.get('/api/v1/organization/deletion');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('deletion_unavailable');
  });
});
