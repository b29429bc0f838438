/**
 * The development phone line: a local server speaking the part of Twilio's REST API Callgenly calls
 * (place, list and fetch calls; send texts; delete recordings), which `npm run dev` points
 * TWILIO_API_BASE_URL at when no Twilio account is configured, as the dev mailbox stands in for SMTP.
 * Calls placed (the coach calling a learner) are kept in DATA_DIR/phone/calls.jsonl, where
 * `npm run call -- --learner` picks them up and answers them; texts go to DATA_DIR/phone/texts.jsonl.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  /** Where Twilio would ask for TwiML once the call is answered. */
  url: string;
  placedAt: string;
}

export const devPhoneDir = (dataDir: string) => path.join(dataDir, 'phone');

export async function startDevPhoneLine(options: { dir: string; port: number }): Promise<{ url: string; stop(): Promise<void> }> {
  await mkdir(options.dir, { recursive: true });
  const calls = new Map<string, PlacedCall>();
  const body = (req: IncomingMessage) =>
    new Promise<URLSearchParams>((resolve, reject) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(new URLSearchParams(data)));
      req.on('error', reject);
    });
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, payload?: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(payload === undefined ? undefined : JSON.stringify(payload));
    const url = new URL(req.url ?? '/', 'http://dev');
    const account = /^\/2010-04-01\/Accounts\/(AC\w+)\/(.*)$/.exec(url.pathname);
    if (!account) return send(404, { code: 20404, message: 'Not found', status: 404 });
    const [, accountSid, rest] = account;
    const form = req.method === 'POST' ? await body(req) : new URLSearchParams();
    if (req.method === 'POST' && rest === 'Calls.json') {
      const call: PlacedCall = { sid: `CA${randomBytes(16).toString('hex')}`, to: form.get('To') ?? '', from: form.get('From') ?? '', url: form.get('Url') ?? '', placedAt: new Date().toISOString() };
      calls.set(call.sid, call);
      await appendFile(path.join(options.dir, 'calls.jsonl'), `${JSON.stringify(call)}\n`);
      return send(201, { sid: call.sid, account_sid: accountSid, to: call.to, from: call.from, status: 'queued' });
    }
    if (req.method === 'GET' && rest === 'Calls.json') {
      const found = [...calls.values()].filter((c) => c.to === url.searchParams.get('To') && c.from === url.searchParams.get('From'));
      return send(200, { calls: found.map((c) => ({ sid: c.sid, account_sid: accountSid, status: 'queued' })), page: 0, page_size: 50, uri: url.pathname, first_page_uri: url.pathname, next_page_uri: null, previous_page_uri: null });
    }
    const fetched = /^Calls\/(CA\w+)\.json$/.exec(rest ?? '');
    if (req.method === 'GET' && fetched) return calls.has(fetched[1]!) ? send(200, { sid: fetched[1], account_sid: accountSid, status: 'completed', duration: null }) : send(404, { code: 20404, message: 'Not found', status: 404 });
    if (req.method === 'POST' && rest === 'Messages.json') {
      await appendFile(path.join(options.dir, 'texts.jsonl'), `${JSON.stringify({ from: form.get('From'), to: form.get('To'), body: form.get('Body'), at: new Date().toISOString() })}\n`);
      return send(201, { sid: `SM${randomBytes(16).toString('hex')}`, account_sid: accountSid, status: 'queued' });
    }
    if (req.method === 'DELETE' && /^Recordings\/RE\w+\.json$/.test(rest ?? '')) return send(204);
    send(404, { code: 20404, message: 'Not found', status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Calls the dev phone line took since `since`, newest last. */
export async function placedCallsSince(dir: string, since: Date): Promise<PlacedCall[]> {
  const text = await readFile(path.join(dir, 'calls.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PlacedCall)
    .filter((c) => new Date(c.placedAt) >= since);
}
