import { createServer, type Server } from 'node:http';
import { readBody as body } from './http';

/**
 * A local server speaking OpenAI's chat-completions wire format, scripted by each test: it answers with
 * the next scripted reply (text, tool calls, an HTTP error, or a hang past the client's deadline), as
 * plain JSON or, when the request asks to stream, as server-sent events.
 */
export type FakeReply =
  | { content: string }
  | { toolCalls: Array<{ name: string; arguments: unknown }>; content?: string }
  | { status: number; error: string }
  | { hangMs: number };

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string; parameters: unknown } }>;
  stream?: boolean;
  response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
}

export interface FakeOpenAI {
  baseUrl: string;
  requests: ChatRequest[];
  /** Replies are used in order; when none is left, `fallback` answers. */
  script(...replies: FakeReply[]): void;
  fallback: (request: ChatRequest) => FakeReply;
  /** Structured-output requests (with a `response_format`) are kept and answered apart from the conversation. */
  jsonRequests: ChatRequest[];
  scriptJson(...replies: FakeReply[]): void;
  jsonFallback: (request: ChatRequest) => FakeReply;
  /** Added to every answer: a fixed delay, or one drawn per request. */
  latencyMs: number | (() => number);
  close(): Promise<void>;
}

/** What the fake answers a call-analysis request unless a test scripts otherwise. */
const DEFAULT_ANALYSIS = {
  intents: ['ask_question'],
  entities: { callerName: null, callbackNumber: null, service: null, requestedTime: null },
  summary: 'The caller asked a question.',
};

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: FakeReply[] = [];
  const jsonQueue: FakeReply[] = [];
  let counter = 0;
  const fake: FakeOpenAI = {
    baseUrl: '',
    requests: [],
    script: (...replies) => queue.push(...replies),
    fallback: () => ({ content: 'How else can I help?' }),
    jsonRequests: [],
    scriptJson: (...replies) => jsonQueue.push(...replies),
    jsonFallback: () => ({ content: JSON.stringify(DEFAULT_ANALYSIS) }),
    latencyMs: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    if (!/^Bearer .+/.test(req.headers.authorization ?? '')) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'missing API key' } }));
      return;
    }
    const request = JSON.parse(await body(req)) as ChatRequest;
    const structured = request.response_format !== undefined;
    (structured ? fake.jsonRequests : fake.requests).push(request);
    const reply = structured ? (jsonQueue.shift() ?? fake.jsonFallback(request)) : (queue.shift() ?? fake.fallback(request));
    const latency = typeof fake.latencyMs === 'function' ? fake.latencyMs() : fake.latencyMs;
    if (latency) await sleep(latency);
    if ('hangMs' in reply) {
      await sleep(reply.hangMs);
      if (!res.destroyed) res.destroy();
      return;
    }
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: reply.error, type: 'fake' } }));
      return;
    }
    const id = `chatcmpl-${++counter}`;
    const toolCalls = 'toolCalls' in reply
      ? reply.toolCalls.map((c, i) => ({ id: `call_${counter}_${i}`, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) } }))
      : undefined;
    const content = reply.content ?? null;
    const finish = toolCalls ? 'tool_calls' : 'stop';
    if (request.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: unknown, finish_reason: string | null) =>
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: request.model, choices: [{ index: 0, delta, finish_reason }] })}\n\n`);
      // As OpenAI streams: text in pieces, each tool call opened with its id and name, then its
      // arguments in fragments the client must join.
      chunk({ role: 'assistant', content: '' }, null);
      for (const piece of (content ?? '').match(/.{1,12}/gs) ?? []) chunk({ content: piece }, null);
      toolCalls?.forEach((c, index) => {
        chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, null);
        for (const piece of c.function.arguments.match(/.{1,8}/gs) ?? []) chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null);
      });
      chunk({}, finish);
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  return fake;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
