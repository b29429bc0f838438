import { createServer, request, type Server } from 'node:http';
import { readBody } from './http';

/**
 * Sits in front of stripe-mock (which validates every request against Stripe's spec but keeps nothing):
 * records what the SDK sent, can fail the next request to a path with a 500 before it reaches the mock,
 * as Stripe having a bad moment, and can give an object the state a test needs (an invoice paid, a
 * subscription canceled) on top of the mock's answer when it is read. Each test gets its own, so it sees
 * only its own requests.
 */
export interface StripeRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
}

export interface StripeRecorder {
  url: string;
  requests: StripeRequest[];
  /** The next N requests whose path starts with `path` answer 500 without reaching stripe-mock. */
  failNext(path: string, times?: number): void;
  /**
   * The next request to a path starting with `path` is kept waiting (recorded, not forwarded) until
   * `release`: Stripe taking its time, while the test kills whoever is waiting for the answer.
   */
  holdNext(path: string): { arrived: Promise<void>; release(): void };
  /** Reads (GET) of `path` answer stripe-mock's object with these fields set, as Stripe holding that state. */
  setObject(path: string, fields: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function startStripeRecorder(target: string): Promise<StripeRecorder> {
  const requests: StripeRequest[] = [];
  const failures = new Map<string, number>();
  const objects = new Map<string, Record<string, unknown>>();
  const holds = new Map<string, { arrive(): void; released: Promise<void> }>();
  const upstream = new URL(target);
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://recorder').pathname;
    requests.push({ method: req.method ?? '', path, idempotencyKey: req.headers['idempotency-key'] as string | undefined, form: new URLSearchParams(body) });
    for (const [prefix, left] of failures) {
      if (left > 0 && path.startsWith(prefix)) {
        failures.set(prefix, left - 1);
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred' } }));
        return;
      }
    }
    for (const [prefix, hold] of holds) {
      if (!path.startsWith(prefix)) continue;
      holds.delete(prefix);
      hold.arrive();
      await hold.released;
    }
    const state = req.method === 'GET' ? objects.get(path) : undefined;
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, async (answer) => {
      if (!state || answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const body = JSON.stringify({ ...JSON.parse(await readBody(answer)), ...state });
      const { 'transfer-encoding': _chunked, ...headers } = answer.headers;
      res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) }).end(body);
    });
    forward.on('error', () => res.writeHead(502).end());
    forward.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (path, times = 1) => void failures.set(path, times),
    setObject: (path, fields) => void objects.set(path, fields),
    holdNext(path) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      holds.set(path, { arrive, released: new Promise<void>((resolve) => (release = resolve)) });
      return { arrived, release };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
