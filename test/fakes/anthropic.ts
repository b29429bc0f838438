import { createServer, type Server } from 'node:http';
import { readBody } from './http';

/**
 * A local server speaking Anthropic's Messages API (`POST /v1/messages`) for the real `@anthropic-ai/sdk`:
 * scripted answers in order (a tool call with its input, plain text, or an error in Anthropic's shape),
 * every request kept. Accepts `Authorization: Bearer` or `x-api-key`.
 */
export type FakeAnthropicReply = { toolInput: unknown } | { text: string } | { status: number; type: string; message: string };

export interface FakeAnthropic {
  baseUrl: string;
  apiKey: string;
  requests: Array<{ model: string; system?: string; messages: Array<{ role: string; content: unknown }>; tools?: Array<{ name: string; input_schema: unknown }>; tool_choice?: unknown }>;
  script(...replies: FakeAnthropicReply[]): void;
  fallback: FakeAnthropicReply;
  close(): Promise<void>;
}

export async function startFakeAnthropic(apiKey = 'sk-ant-test'): Promise<FakeAnthropic> {
  const queue: FakeAnthropicReply[] = [];
  let counter = 0;
  const fake: FakeAnthropic = {
    baseUrl: '',
    apiKey,
    requests: [],
    script: (...replies) => queue.push(...replies),
    fallback: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++counter}`, ...headers }).end(JSON.stringify(payload));
    const authorised = req.headers['x-api-key'] === apiKey || req.headers.authorization === `Bearer ${apiKey}`;
    if (!authorised) return send(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    if (req.method !== 'POST' || req.url !== '/v1/messages') return send(404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
    const body = JSON.parse(await readBody(req));
    fake.requests.push(body);
    const reply = queue.shift() ?? fake.fallback;
    if ('status' in reply) return send(reply.status, { type: 'error', error: { type: reply.type, message: reply.message } }, { 'x-should-retry': 'false' });
    const content = 'toolInput' in reply ? [{ type: 'tool_use', id: `toolu_${counter}`, name: body.tools?.[0]?.name ?? 'tool', input: reply.toolInput }] : [{ type: 'text', text: reply.text }];
    send(200, { id: `msg_${counter}`, type: 'message', role: 'assistant', model: body.model, content, stop_reason: 'toolInput' in reply ? 'tool_use' : 'end_turn', stop_sequence: null, usage: { input_tokens: 100, output_tokens: 50 } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}
