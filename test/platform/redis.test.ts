import request from 'supertest';
import { lockoutDigest } from '../../src/accounts/repositories/signInLockouts';
import { freePort } from '../../src/platform/ports';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';
import { redisServer } from '../helpers/redisServer';

/**
 * Two API replicas sharing one Redis (REDIS_URL): a rate limit counted on one is spent on the other, a
 * lockout earned on one holds on the other, Redis holds digests only, and readiness says when Redis is down.
 * A Redis of its own (Debian's redis-server), so stopping it touches nothing else.
 */
let redis: ReturnType<typeof redisServer>;
let replicas: Array<Awaited<ReturnType<typeof startApi>>>;

beforeAll(async () => {
  redis = redisServer({ port: await freePort() });
  await redis.start();
  const env = { REDIS_URL: redis.url, AUTH_RATE_LIMIT_PER_ACCOUNT: '4', AUTH_LOCKOUT_THRESHOLD: '3', AUTH_LOCKOUT_BASE_MS: '60000' };
  replicas = [await startApi(env), await startApi(env)];
}, 60_000);
afterAll(async () => {
  for (const r of replicas ?? []) await r.close();
  await redis?.stop();
});

test('a lockout earned on one replica holds on the other, and Redis keeps only digests', async () => {
  const owner = new Browser(replicas[0]!.app, randomIp());
  const email = uniqueEmail('redis-lockout');
  await owner.signUp({ email });
  const signIn = (replica: number, password: string) => request(replicas[replica]!.app).post('/api/v1/auth/signin').set('X-Forwarded-For', randomIp()).send({ email, password });
  for (const replica of [0, 1, 0]) expect((await signIn(replica, 'not the password at all')).status).toBe(401);
  // Locked after three failures on either replica: the other refuses even the right password.
  const locked = await signIn(1, PASSWORD);
  expect([locked.status, locked.body.error.code]).toEqual([429, 'account_locked']);
  // Nothing in PostgreSQL, and Redis names nobody.
  expect(await replicas[0]!.services.db('sign_in_lockouts').where({ email_key: lockoutDigest(email) })).toEqual([]);
  const keys = await replicas[0]!.services.redis!.keys('callgenly:*');
  expect(keys.some((k) => k.startsWith('callgenly:lockout:'))).toBe(true);
  expect(keys.join(' ')).not.toContain(email);
  expect(keys.join(' ')).not.toContain(email.split('@')[0]!);
});

test('a per-account rate limit counted on one replica is spent on the other', async () => {
  const email = uniqueEmail('redis-limit');
  const attempt = (replica: number) => request(replicas[replica]!.app).post('/api/v1/auth/signin').set('X-Forwarded-For', randomIp()).send({ email, password: 'wrong' });
  const statuses = [];
  for (const replica of [0, 1, 0, 1, 0]) statuses.push((await attempt(replica)).status);
  // Four allowed per account in the window (unknown address: 401, then locked 429), the fifth refused by the limiter.
  const last = await attempt(1);
  expect([last.status, last.body.error.code]).toEqual([429, 'rate_limited']);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
});

test('readiness reports Redis, and says so when it is gone', async () => {
  expect((await request(replicas[0]!.app).get('/readyz')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok', redis: 'ok' } });
  await redis.stop();
  const down = await request(replicas[0]!.app).get('/readyz');
  expect([down.status, down.body.checks.redis]).toEqual([503, 'unreachable']);
  // Back, and the replica finds it again by itself.
  await redis.start();
  for (let i = 0; i < 100 && (await request(replicas[0]!.app).get('/readyz')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await request(replicas[0]!.app).get('/readyz')).body.checks.redis).toBe('ok');
}, 30_000);
