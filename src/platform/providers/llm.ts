import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { Config } from '../config';

export type { ChatCompletionMessageParam, ChatCompletionTool };

export interface LlmReply {
  content: string | null;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
}

/** A JSON Schema the model's answer must follow (OpenAI structured output, strict mode). */
export interface JsonFormat {
  name: string;
  schema: Record<string, unknown>;
}

export interface LlmProvider {
  /** One conversational step, streamed and assembled: text, tool calls, or both. */
  complete(messages: ChatCompletionMessageParam[], tools: ChatCompletionTool[], signal?: AbortSignal): Promise<LlmReply>;
  /** A single JSON answer following `format`, off the caller's path (so a longer deadline). Returns the raw JSON text. */
  completeJson(messages: ChatCompletionMessageParam[], format: JsonFormat): Promise<string>;
}

export class LlmUnavailableError extends Error {
  override name = 'LlmUnavailableError';
}

/** Structured output runs after the call has ended: nobody is waiting on the line. */
const JSON_TIMEOUT_MS = 60_000;

/**
 * Any OpenAI-compatible chat-completions endpoint through the `openai` SDK. A caller is waiting: one
 * attempt, bounded by the per-turn deadline, and no SDK retries (the call's fallback path is the retry).
 * Turns are streamed: the SDK's stream helper assembles text and tool-call fragments into one message,
 * and the deadline applies to the whole stream, so a model that starts answering and then stalls is cut
 * as surely as one that never answers.
 */
export function createLlmProvider(config: Config['llm']): LlmProvider {
  const client = config.apiKey
    ? new OpenAI({ apiKey: config.apiKey, baseURL: config.baseUrl, timeout: config.turnTimeoutMs, maxRetries: 0 })
    : undefined;
  const need = (): OpenAI => {
    if (!client) throw new LlmUnavailableError('OPENAI_API_KEY is not set');
    return client;
  };
  return {
    async complete(messages, tools, signal) {
      const deadline = AbortSignal.timeout(config.turnTimeoutMs);
      const body = { model: config.model, messages, ...(tools.length ? { tools, tool_choice: 'auto' as const } : {}), temperature: 0.3 };
      const options = { signal: signal ? AbortSignal.any([signal, deadline]) : deadline };
      // Some "OpenAI-compatible" servers stream tool calls badly (no `type`, or none at all): LLM_STREAM=false.
      const completion = config.stream ? await need().chat.completions.stream(body, options).finalChatCompletion() : await need().chat.completions.create(body, options);
      const message = completion.choices[0]?.message;
      if (!message) throw new LlmUnavailableError('the LLM returned no choice');
      return {
        content: message.content ?? null,
        toolCalls: (message.tool_calls ?? []).flatMap((call) =>
          call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
        ),
      };
    },

    async completeJson(messages, format) {
      const completion = await need().chat.completions.create(
        {
          model: config.model,
          messages,
          temperature: 0,
          response_format: { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, strict: true } },
        },
        { timeout: JSON_TIMEOUT_MS },
      );
      const content = completion.choices[0]?.message.content;
      if (!content) throw new LlmUnavailableError('the LLM returned no content');
      return content;
    },
  };
}
