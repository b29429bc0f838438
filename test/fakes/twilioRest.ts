import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readBody as body } from './http';

/**
 * A local server speaking Twilio's REST wire format for what Callgenly calls: send an SMS
 * (POST Messages.json), fetch a call (GET Calls/{sid}.json) and delete a recording. Requests must carry
 * HTTP Basic auth for the configured account; bodies are form-encoded; answers are snake_case JSON.
 */
export interface FakeTwilioRest {
  baseUrl: string;
  messages: Array<{ From: string; To: string; Body: string }>;
  /** What GET Calls/{sid}.json answers, per CallSid. */
  calls: Map<string, { status: string; duration?: string }>;
  /** Calls placed with POST Calls.json, form fields as sent. */
  placed: Array<{ sid: string; form: Record<string, string[]>; at: Date }>;
  deletedRecordings: string[];
  /** The next N recording deletes answer 503 (Twilio having a bad minute). */
  failRecordingDeletes: number;
  close(): Promise<void>;
}

export async function startFakeTwilioRest(accountSid: string, authToken: string): Promise<FakeTwilioRest> {
  let counter = 0;
  const fake: FakeTwilioRest = {
    baseUrl: '',
    messages: [],
    calls: new Map(),
    placed: [],
    deletedRecordings: [],
    failRecordingDeletes: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const base = `/2010-04-01/Accounts/${accountSid}`;
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, payload?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (req.headers.authorization !== expectedAuth) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
    const url = new URL(req.url ?? '/', 'http://fake');
    const form = new URLSearchParams(await body(req));
    if (req.method === 'POST' && url.pathname === `${base}/Messages.json`) {
      const message = { From: form.get('From') ?? '', To: form.get('To') ?? '', Body: form.get('Body') ?? '' };
      if (!message.To || !message.Body) return send(400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
      fake.messages.push(message);
      const sid = `SM${String(++counter).padStart(32, '0')}`;
      return send(201, { sid, account_sid: accountSid, from: message.From, to: message.To, body: message.Body, status: 'queued' });
    }
    if (req.method === 'POST' && url.pathname === `${base}/Calls.json`) {
      const fields: Record<string, string[]> = {};
      for (const [k, v] of form) (fields[k] ??= []).push(v);
      if (!form.get('To') || !form.get('From') || !form.get('Url')) return send(400, { code: 21205, message: 'Url, To and From are required', status: 400 });
      const sid = `CA${randomBytes(16).toString('hex')}`;
      fake.placed.push({ sid, form: fields, at: new Date() });
      fake.calls.set(sid, { status: 'queued' });
      return send(201, { sid, account_sid: accountSid, to: form.get('To'), from: form.get('From'), status: 'queued' });
    }
    if (req.method === 'GET' && url.pathname === `${base}/Calls.json`) {
      const after = url.searchParams.get('StartTime>');
      const calls = fake.placed.filter((p) => p.form.To?.[0] === url.searchParams.get('To') && p.form.From?.[0] === url.searchParams.get('From') && (!after || p.at >= new Date(after)));
      return send(200, { calls: calls.map((p) => ({ sid: p.sid, account_sid: accountSid, status: fake.calls.get(p.sid)?.status ?? 'queued' })), page: 0, page_size: 50, first_page_uri: url.pathname, next_page_uri: null, previous_page_uri: null, uri: url.pathname });
    }
    const call = new RegExp(`^${base}/Calls/(CA[0-9a-fA-F]{32})\\.json$`).exec(url.pathname);
    if (req.method === 'GET' && call) {
      const known = fake.calls.get(call[1]!);
      if (!known) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return send(200, { sid: call[1], account_sid: accountSid, status: known.status, duration: known.duration ?? null });
    }
    // A recording's media: a few bytes standing in for the MP3, behind the account's basic auth as at Twilio.
    const media = new RegExp(`^${base}/Recordings/(RE[0-9a-fA-F]{32})\\.mp3$`).exec(url.pathname);
    if (req.method === 'GET' && media) {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (fake.deletedRecordings.includes(media[1]!)) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      return void res.end(Buffer.concat([Buffer.from('ID3'), Buffer.from(media[1]!)]));
    }
    const recording = new RegExp(`^${base}/Recordings/(RE[0-9a-fA-F]{32})\\.json$`).exec(url.pathname);
    if (req.method === 'DELETE' && recording) {
      if (fake.failRecordingDeletes > 0) {
        fake.failRecordingDeletes -= 1;
        return send(503, { code: 20500, message: 'Service unavailable', status: 503 });
      }
      if (fake.deletedRecordings.includes(recording[1]!)) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      fake.deletedRecordings.push(recording[1]!);
      return send(204);
    }
    send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}
