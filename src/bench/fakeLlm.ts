import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const REPLY = 'Of course. Is there anything else I can help with?';
/** The answer to the after-call analysis (a structured-output request), valid against its schema. */
const ANALYSIS = JSON.stringify({
  intents: ['ask_question'],
  entities: { callerName: null, callbackNumber: null, service: null, requestedTime: null },
  summary: 'The caller asked about appointments.',
});

/**
 * An OpenAI-compatible chat-completions endpoint that answers every request after a fixed latency: the
 * benchmark's stand-in for the model, so what it measures is our path, not the model's mood. It streams
 * (server-sent events, the way the agent asks) or answers in one JSON body.
 */
export async function startFixedLatencyLlm(latencyMs: number): Promise<{ baseUrl: string; close(): Promise<void> }> {
  let id = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { stream?: boolean; response_format?: unknown };
      const content = request.response_format ? ANALYSIS : REPLY;
      setTimeout(() => {
        const head = { id: `chatcmpl-${++id}`, created: Math.floor(Date.now() / 1000), model: 'bench' };
        if (request.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const event = (delta: unknown, finish_reason: string | null) =>
            `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
          res.end(event({ role: 'assistant', content }, null) + event({}, 'stop') + 'data: [DONE]\n\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...head,
            object: 'chat.completion',
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
            usage: { prompt_tokens: 200, completion_tokens: 12, total_tokens: 212 },
          }),
        );
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
