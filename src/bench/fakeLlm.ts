import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible chat-completions endpoint that answers every request after a fixed latency: the
 * benchmark's stand-in for the model, so what it measures is our path, not the model's mood.
 */
export async function startFixedLatencyLlm(latencyMs: number): Promise<{ baseUrl: string; close(): Promise<void> }> {
  let id = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${++id}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: 'bench',
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Of course. Is there anything else I can help with?' } }],
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
