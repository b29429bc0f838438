import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { WaveFile } from 'wavefile';
import { readBody } from './http';

/**
 * A local server speaking Vapi's REST wire format for what the coach uses (create, get, list and delete a
 * call, Bearer auth, NestJS-style errors), and Vapi's side of a call: signed server messages (status
 * updates, the end-of-call report) posted to our webhook, HMAC-signed as a Vapi webhook credential signs them.
 * A recorded call's learner-only recording is served as Vapi serves it: a redirect to a signed URL.
 */
export interface FakeVapiCall {
  id: string;
  orgId: string;
  createdAt: string;
  status: string;
  type: 'outboundPhoneCall';
  endedReason?: string;
  startedAt?: string;
  endedAt?: string;
  artifact?: { transcript?: string; messages?: Array<Record<string, unknown>>; recordingUrl?: string };
  assistant: { metadata?: Record<string, unknown> } & Record<string, unknown>;
  /** The request body as sent. */
  request: Record<string, unknown>;
  deleted?: boolean;
  /** The learner-only recording, as phone audio: 8 kHz μ-law WAV, a voice-like tone while the learner speaks (made when first fetched). */
  learnerAudio?: () => Buffer;
}

export interface FakeVapi {
  baseUrl: string;
  apiKey: string;
  calls: FakeVapiCall[];
  /** The next N `POST /call` answer this status (e.g. 500: a Vapi outage; 400: a refused number). */
  failCreates: { count: number; status: number };
  /** Ends a call as Vapi would: the conversation (role, text, seconds from start), its reason, a recording. */
  end(id: string, input: { endedReason: string; lines?: Array<{ role: 'bot' | 'user'; text: string; at: number; seconds: number }>; durationSeconds?: number; recording?: boolean }): FakeVapiCall;
  /** Posts a server message about a call to `url`, signed with `secret` (or a wrong one, to test refusal). */
  send(url: string, secret: string, type: 'status-update' | 'end-of-call-report', call: FakeVapiCall, extra?: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

export function signVapi(body: string, secret: string, timestamp = String(Date.now())): Record<string, string> {
  return { 'x-timestamp': timestamp, 'x-signature': createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex') };
}

export async function startFakeVapi(apiKey = 'vapi-test-key'): Promise<FakeVapi> {
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    // The signed URL a recording redirects to: no Bearer key, a signature in the query instead.
    const signed = /^\/signed\/([0-9a-f-]{36})-customer\.wav$/.exec(req.url?.split('?')[0] ?? '');
    if (signed) {
      const recorded = fake.calls.find((c) => c.id === signed[1] && !c.deleted)?.learnerAudio;
      if (!recorded || !req.url?.includes('X-Amz-Signature=')) return send(403, { message: 'Forbidden' });
      return res.writeHead(200, { 'content-type': 'audio/wav' }).end(recorded());
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(401, { message: 'Unauthorized', statusCode: 401 });
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/call') {
      if (fake.failCreates.count > 0) {
        fake.failCreates.count -= 1;
        return send(fake.failCreates.status, { message: [`failure ${fake.failCreates.status}`], error: 'Error', statusCode: fake.failCreates.status });
      }
      const body = JSON.parse(text) as Record<string, unknown>;
      const assistant = (body.assistant ?? {}) as FakeVapiCall['assistant'];
      if (!body.phoneNumberId || !(body.customer as { number?: string } | undefined)?.number) return send(400, { message: ['customer.number must be a valid phone number'], error: 'Bad Request', statusCode: 400 });
      const call: FakeVapiCall = { id: randomUUID(), orgId: 'vapi-org', createdAt: new Date().toISOString(), status: 'queued', type: 'outboundPhoneCall', assistant, request: body };
      fake.calls.push(call);
      return send(201, view(call));
    }
    if (req.method === 'GET' && url.pathname === '/call') {
      const after = url.searchParams.get('createdAtGe');
      return send(200, fake.calls.filter((c) => !c.deleted && (!after || c.createdAt >= after)).map(view));
    }
    const recording = /^\/call\/([0-9a-f-]{36})\/customer-recording$/.exec(url.pathname);
    if (req.method === 'GET' && recording) {
      const recorded = fake.calls.find((c) => c.id === recording[1] && !c.deleted);
      if (!recorded?.learnerAudio) return send(404, { message: 'Recording not found', error: 'Not Found', statusCode: 404 });
      return res.writeHead(302, { location: `${fake.baseUrl}/signed/${recorded.id}-customer.wav?X-Amz-Expires=300&X-Amz-Signature=${randomUUID()}` }).end();
    }
    const one = /^\/call\/([0-9a-f-]{36})$/.exec(url.pathname);
    const call = one ? fake.calls.find((c) => c.id === one[1] && !c.deleted) : undefined;
    if (one && !call) return send(404, { message: 'Call not found', error: 'Not Found', statusCode: 404 });
    if (req.method === 'GET' && call) return send(200, view(call));
    if (req.method === 'DELETE' && call) {
      call.deleted = true;
      return send(200, view(call));
    }
    send(404, { message: `Cannot ${req.method} ${url.pathname}`, error: 'Not Found', statusCode: 404 });
  });
  const view = ({ request: _r, deleted: _d, ...call }: FakeVapiCall) => call;
  const fake: FakeVapi = {
    baseUrl: '',
    apiKey,
    calls: [],
    failCreates: { count: 0, status: 500 },
    end(id, input) {
      const call = fake.calls.find((c) => c.id === id)!;
      const started = Date.parse(call.createdAt) + 5_000;
      const duration = input.durationSeconds ?? Math.max(0, ...(input.lines ?? []).map((l) => l.at + l.seconds));
      call.status = 'ended';
      call.endedReason = input.endedReason;
      call.startedAt = new Date(started).toISOString();
      call.endedAt = new Date(started + duration * 1000).toISOString();
      call.artifact = {
        transcript: (input.lines ?? []).map((l) => `${l.role === 'bot' ? 'AI' : 'User'}: ${l.text}`).join('\n'),
        messages: [
          { role: 'system', message: 'system prompt', time: started, secondsFromStart: 0 },
          ...(input.lines ?? []).map((l) => ({ role: l.role, message: l.text, time: started + l.at * 1000, endTime: started + (l.at + l.seconds) * 1000, secondsFromStart: l.at, duration: l.seconds * 1000 })),
        ],
        ...(input.recording ? { recordingUrl: `https://storage.vapi.example/${id}-mono.mp3` } : {}),
      };
      if (input.recording) {
        let made: Buffer | undefined;
        call.learnerAudio = () => (made ??= learnerRecording(duration, (input.lines ?? []).filter((l) => l.role === 'user')));
      }
      return call;
    },
    async send(url, secret, type, call, extra = {}) {
      const message =
        type === 'status-update'
          ? { type, status: call.status, endedReason: call.endedReason, call: { id: call.id, assistant: { metadata: call.assistant.metadata } }, timestamp: Date.now(), ...extra }
          : { type, endedReason: call.endedReason, startedAt: call.startedAt, endedAt: call.endedAt, artifact: call.artifact, analysis: {}, cost: 0.42, call: { id: call.id, assistant: { metadata: call.assistant.metadata } }, timestamp: Date.now(), ...extra };
      const body = JSON.stringify({ message });
      return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signVapi(body, secret) }, body });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}

/** Phone audio of the learner's side: silence, and a 180 Hz tone with a slow swell while they speak. */
function learnerRecording(seconds: number, turns: Array<{ at: number; seconds: number }>): Buffer {
  const rate = 8000;
  const samples = new Int16Array(Math.ceil(seconds * rate));
  for (const turn of turns) {
    for (let i = Math.floor(turn.at * rate); i < Math.min(samples.length, (turn.at + turn.seconds) * rate); i++) samples[i] = Math.round(9000 * Math.sin((2 * Math.PI * 180 * i) / rate) * (0.6 + 0.4 * Math.sin(i / 700)));
  }
  const wav = new WaveFile();
  wav.fromScratch(1, rate, '16', samples);
  wav.toMuLaw();
  return Buffer.from(wav.toBuffer());
}
