import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { Config } from '../config';

export type { ChatCompletionMessageParam, ChatCompletionTool };

export interface LlmReply {
  content: string | null;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
}

export interface LlmProvider {
  complete(messages: ChatCompletionMessageParam[], tools: ChatCompletionTool[], signal?: AbortSignal): Promise<LlmReply>;
}

export class LlmUnavailableError extends Error {
  override name = 'LlmUnavailableError';
}

/**
 * Any OpenAI-compatible chat-completions endpoint through the `openai` SDK. A caller is waiting: one
 * attempt, bounded by the per-turn deadline, and no SDK retries (the call's fallback path is the retry).
 */
export function createLlmProvider(config: Config['llm']): LlmProvider {
  const client = config.apiKey
    ? new OpenAI({ apiKey: config.apiKey, baseURL: config.baseUrl, timeout: config.turnTimeoutMs, maxRetries: 0 })
    : undefined;
  return {
    async complete(messages, tools, signal) {
      if (!client) throw new LlmUnavailableError('OPENAI_API_KEY is not set');
      const completion = await client.chat.completions.create(
        { model: config.model, messages, tools, tool_choice: 'auto', temperature: 0.3 },
        { signal },
      );
      const message = completion.choices[0]?.message;
      if (!message) throw new LlmUnavailableError('the LLM returned no choice');
      return {
        content: message.content ?? null,
        toolCalls: (message.tool_calls ?? []).flatMap((call) =>
          call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
        ),
      };
    },
  };
}
