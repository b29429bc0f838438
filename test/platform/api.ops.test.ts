import request from 'supertest';
import { createApp } from '../../src/app';
import { createDb } from '../../src/platform/db/knex';
import type { Services } from '../../src/services';
import { testServices } from '../helpers/stack';
import { freePort } from '../../src/platform/ports';

let services: Services;
beforeAll(async () => {
  services = await testServices();
});
afterAll(() => services.close());

test('GET /healthz answers while the process is up', async () => {
  const res = await request(createApp(services)).get('/healthz').expect(200);
  expect(res.body).toEqual({ status: 'ok' });
});

test('GET /readyz checks PostgreSQL and Temporal', async () => {
  const res = await request(createApp(services)).get('/readyz').expect(200);
  expect(res.body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
});

test('GET /readyz answers 503 naming what is down', async () => {
  const deadDb = createDb(`postgres://nobody@127.0.0.1:${await freePort()}/none`, 1);
  try {
    const res = await request(createApp({ ...services, db: deadDb })).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { postgres: 'unreachable', temporal: 'ok' } });
  } finally {
    await deadDb.destroy();
  }
});

test('GET /metrics serves Prometheus text with request durations to the bearer of METRICS_TOKEN', async () => {
  const token = 'metrics-token-for-this-test';
  const app = createApp({ ...services, config: { ...services.config, http: { ...services.config.http, metricsToken: token } } });
  await request(app).get('/healthz');
  const res = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
  expect(res.headers['content-type']).toMatch(/text\/plain/);
  expect(res.text).toContain('process_cpu_user_seconds_total');
  expect(res.text).toMatch(/callgenly_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} \d+/);
});

test('every response carries a request id; a well-formed incoming one is kept', async () => {
  const app = createApp(services);
  const generated = await request(app).get('/healthz');
  expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const kept = await request(app).get('/healthz').set('X-Request-Id', 'trace-abc-12345');
  expect(kept.headers['x-request-id']).toBe('trace-abc-12345');
  const replaced = await request(app).get('/healthz').set('X-Request-Id', 'bad id <script>');
  expect(replaced.headers['x-request-id']).not.toBe('bad id <script>');
});

describe('errors are JSON { error: { code, message } } without internals', () => {
  test('unknown route: 404', async () => {
    const res = await request(createApp(services)).get('/api/v1/nothing-here').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/v1/nothing-here' } });
  });

  test('malformed JSON: 400', async () => {
    const res = await request(createApp(services))
      .post('/api/v1/anything')
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|SyntaxError/);
  });

  test('oversized body: 413', async () => {
    const res = await request(createApp(services))
      .post('/api/v1/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(200_000) }))
      .expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

test('security headers are set', async () => {
  const res = await request(createApp(services)).get('/healthz');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-powered-by']).toBeUndefined();
});
