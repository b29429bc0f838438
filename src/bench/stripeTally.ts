import { createServer, request, type IncomingMessage } from 'node:http';

/** A meter event as it left for Stripe. */
export interface SentMeterEvent {
  identifier: string;
  idempotencyKey: string | undefined;
  customer: string;
  value: number;
}

/**
 * A counting proxy in front of stripe-mock (which keeps nothing): the benchmark's own record of every
 * Billing Meter event sent, so it can check that the ledger reached Stripe whole and once.
 */
export async function startStripeTally(target: string): Promise<{ url: string; events: SentMeterEvent[]; close(): Promise<void> }> {
  const events: SentMeterEvent[] = [];
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    if (req.method === 'POST' && req.url?.startsWith('/v1/billing/meter_events')) {
      const form = new URLSearchParams(body);
      events.push({ identifier: form.get('identifier') ?? '', idempotencyKey: req.headers['idempotency-key'] as string | undefined, customer: form.get('payload[stripe_customer_id]') ?? '', value: Number(form.get('payload[value]')) });
    }
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    forward.end(body);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
