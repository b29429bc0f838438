import fc from 'fast-check';
import request from 'supertest';
import { Browser, randomIp, startApi } from '../helpers/api';

/**
 * Property-based fuzzing of every /api/v1 route, read from the OpenAPI document the API serves: garbage in
 * path parameters (unicode, lone surrogates, NUL, broken percent-encoding, traversal), in query strings and in
 * bodies (any JSON value, deep nesting, huge strings, invalid JSON). The properties: never a 5xx, never a hang,
 * every refusal a JSON error with a code. Runs as a signed-in owner (session and CSRF), so the checks behind
 * authentication are reached. Seeded, so a failure names its input and repeats.
 */
type Operation = { parameters?: Array<{ name: string; in: 'path' | 'query' | 'header' }>; requestBody?: unknown; responses: Record<string, unknown> };
let api: Awaited<ReturnType<typeof startApi>>;
let owner: Browser;
let operations: Array<{ method: string; path: string; op: Operation }>;

beforeAll(async () => {
  // The webhooks' secrets set, so their signature checks are what the fuzz reaches (unset, they answer 503);
  // Stripe's API on a port nothing listens on: a route that needs it must say so (503), not crash.
  api = await startApi({
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_URL: 'http://127.0.0.1:9',
    STRIPE_WEBHOOK_SECRET: 'whsec_fuzz_fuzz_fuzz',
    VAPI_API_KEY: 'vapi-fuzz-key',
    VAPI_WEBHOOK_SECRET: 'vapi-fuzz-secret-0123456789',
  });
  owner = new Browser(api.app, randomIp());
  await owner.signUp();
  const document = (await request(api.app).get('/api/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Operation>> };
  operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })));
});
afterAll(() => api.close());

const RUNS = 12;
/** Signing out ends the session every other request rides on: it is fuzzed last. */
const signOut = (o: { method: string; path: string }) => o.method === 'post' && o.path === '/auth/signout';

/** Still signed in (a fuzzed request must not end the session; if one does, the test names it). */
async function stillSignedIn(after: string): Promise<void> {
  expect({ after, session: (await owner.get('/api/v1/auth/session')).status }).toEqual({ after, session: 200 });
}
const ugly = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates, NUL and every other code point
  fc.constantFrom('%', '%E0%A4%A', '%00', '..%2F..%2Fetc%2Fpasswd', "' OR 1=1 --", '<script>', '\u0000', '\ud800', 'a'.repeat(5000), '-1', '1e309', 'NaN'),
);
const anyBody = fc.oneof(
  fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }),
  fc.dictionary(fc.string({ maxLength: 20 }), ugly),
  fc.constant(JSON.parse('['.repeat(2000) + ']'.repeat(2000))),
);

/** A request's path with its parameters filled by `fill`, percent-encoded the way a careless client might not. */
function concrete(path: string, fill: (name: string) => string, raw: boolean): string {
  return `/api/v1${path.replace(/\{(\w+)\}/g, (_, name: string) => (raw ? fill(name) : encodeURIComponent(fill(name))))}`;
}

async function send(method: string, url: string, body?: string): Promise<request.Response> {
  const req = owner.agent[method as 'get'](url).set('X-Forwarded-For', '127.0.0.1').timeout(10_000);
  if (owner.csrf) req.set('X-CSRF-Token', owner.csrf);
  return body === undefined ? req : req.set('Content-Type', 'application/json').send(body);
}

/**
 * An answer under 500, or a 503 the route declares (a provider not configured, or not answering: said, not
 * crashed); every refusal the API's JSON error with a code.
 */
function judged(res: request.Response, what: string, op: Operation): void {
  const declared = res.status === 503 && '503' in op.responses;
  expect({ what, status: res.status < 500 || declared ? 'answered' : res.status }).toEqual({ what, status: 'answered' });
  if (res.status >= 400) expect({ what, code: typeof res.body?.error?.code }).toEqual({ what, code: 'string' });
}

test('garbage in any path parameter: never a 5xx, always a JSON error', async () => {
  const withParams = operations.filter((o) => o.path.includes('{'));
  expect(withParams.length).toBeGreaterThan(30);
  for (const { method, path, op } of withParams) {
    if (signOut({ method, path })) continue;
    await fc.assert(
      fc.asyncProperty(ugly, fc.boolean(), async (value, raw) => {
        let url: string;
        try {
          url = concrete(path, () => value, raw);
        } catch {
          return; // not even a URL a client could send
        }
        judged(await send(method, url), `${method.toUpperCase()} ${url.slice(0, 120)}`, op);
      }),
      { numRuns: RUNS, seed: 20261130 },
    );
    await stillSignedIn(`${method} ${path}`);
  }
}, 300_000);

test('any body and any query on every route: never a 5xx, always a JSON error', async () => {
  const id = (name: string) => `${name}_0000000000000000000000`;
  for (const { method, path, op } of [...operations.filter((o) => !signOut(o)), ...operations.filter(signOut)]) {
    const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    await fc.assert(
      fc.asyncProperty(anyBody, fc.dictionary(fc.constantFrom(...queryNames, 'x'), ugly, { maxKeys: 4 }), async (body, query) => {
        const url = `${concrete(path, id, false)}?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, v.replace(/[\ud800-\udfff]/g, '')])).toString()}`;
        const json = method === 'get' || method === 'delete' ? undefined : JSON.stringify(body) ?? 'null';
        judged(await send(method, url, json), `${method.toUpperCase()} ${url.slice(0, 120)} ${String(json).slice(0, 80)}`, op);
      }),
      // A route without a body or a query has nothing to vary: once is enough.
      { numRuns: op.requestBody || queryNames.length > 0 ? RUNS : 1, seed: 20261130 },
    );
    if (!signOut({ method, path })) await stillSignedIn(`${method} ${path}`);
  }
  await owner.signIn(owner.info!.user.email);
}, 300_000);

test('malformed JSON, a wrong content type and a corrupt compressed body: a 4xx JSON error on every route that takes a body', async () => {
  const withBody = operations.filter((o) => o.op.requestBody);
  expect(withBody.length).toBeGreaterThan(30);
  for (const { method, path, op } of withBody) {
    const url = concrete(path, (name) => `${name}_0000000000000000000000`, false);
    judged(await send(method, url, '{"unterminated": '), `${method} ${path} broken JSON`, op);
    const gz = owner.agent[method as 'post'](url).set('X-Forwarded-For', '127.0.0.1').set('X-CSRF-Token', owner.csrf!).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip');
    judged(await gz.send('not gzip at all'), `${method} ${path} corrupt gzip`, op);
    judged(await owner.agent[method as 'post'](url).set('X-CSRF-Token', owner.csrf!).set('Content-Type', 'text/plain').send('hello'), `${method} ${path} text/plain`, op);
  }
}, 120_000);

test('any body to every webhook (unsigned, badly signed, garbage): a 4xx, never a 5xx or a hang', async () => {
  const hooks = ['/twilio/voice/incoming', '/twilio/voice/turn', '/twilio/voice/status', '/twilio/voice/recording', '/twilio/sms/incoming', '/twilio/coach/answer', '/vapi/events', '/stripe/webhook', '/codec/decode', '/codec/encode'];
  const form = fc.dictionary(fc.constantFrom('CallSid', 'From', 'To', 'SpeechResult', 'CallStatus', 'Body', 'RecordingSid', 'AccountSid', 'x'), ugly, { maxKeys: 6 });
  for (const hook of hooks) {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyBody.map((b) => ({ type: 'application/json', body: JSON.stringify(b) ?? 'null' })), form.map((f) => ({ type: 'application/x-www-form-urlencoded', body: new URLSearchParams(Object.entries(f).map(([k, v]): [string, string] => [k, v.replace(/[\ud800-\udfff]/g, '')])).toString() }))), fc.constantFrom(undefined, 'forged', 't=1,v1=00'), async ({ type, body }, signature) => {
        let req = request(api.app).post(hook).set('Content-Type', type).timeout(15_000);
        if (signature) req = req.set('X-Twilio-Signature', signature).set('Stripe-Signature', signature).set('X-Vapi-Signature', signature);
        const res = await req.send(body);
        expect({ hook, status: res.status >= 400 && res.status < 500 ? '4xx' : res.status }).toEqual({ hook, status: '4xx' });
      }),
      { numRuns: RUNS, seed: 20261130 },
    );
  }
}, 300_000);

test('Stripe unreachable: a route that needs it says payments are unavailable (503), not a crash', async () => {
  const res = await owner.post('/api/v1/billing/payment-method');
  expect([res.status, res.body.error.code]).toEqual([503, 'payments_unavailable']);
});
