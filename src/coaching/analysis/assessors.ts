import Anthropic from '@anthropic-ai/sdk';
import type { LlmProvider } from '../../platform/providers/llm';
import { ASSESSMENT_TOOL } from './assessment';

/**
 * The analysis model: Anthropic Claude (the coaching service's named processor) through `@anthropic-ai/sdk`
 * with a forced tool, or any OpenAI-compatible endpoint through a JSON-schema answer. Either returns the
 * raw answer for zod to check; `correction` carries the previous answer's validation errors.
 */
export interface Assessor {
  model: string;
  assess(input: { system: string; transcript: string; correction?: string }): Promise<unknown>;
}

export class AssessorRefused extends Error {
  override name = 'AssessorRefused';
}

export function anthropicAssessor(config: { apiKey: string; baseUrl?: string; model: string }): Assessor {
  // The activity owns retries: SDK retries would multiply with them.
  const client = new Anthropic({ apiKey: config.apiKey, baseURL: config.baseUrl, maxRetries: 0, timeout: 120_000 });
  return {
    model: config.model,
    async assess({ system, transcript, correction }) {
      const message = await client.messages.create({
        model: config.model,
        max_tokens: 4096,
        system,
        messages: [{ role: 'user', content: correction ? `${transcript}\n\nYour previous answer was invalid: ${correction}. Call record_assessment again with a valid answer.` : transcript }],
        tools: [{ name: ASSESSMENT_TOOL.name, description: ASSESSMENT_TOOL.description, input_schema: ASSESSMENT_TOOL.inputSchema as Anthropic.Tool.InputSchema }],
        tool_choice: { type: 'tool', name: ASSESSMENT_TOOL.name, disable_parallel_tool_use: true },
      });
      const use = message.content.find((b) => b.type === 'tool_use' && b.name === ASSESSMENT_TOOL.name);
      if (!use || use.type !== 'tool_use') throw new AssessorRefused(`the model answered without the tool (stop_reason ${message.stop_reason})`);
      return use.input;
    },
  };
}

export function openAiAssessor(llm: LlmProvider, model: string): Assessor {
  return {
    model,
    async assess({ system, transcript, correction }) {
      const raw = await llm.completeJson(
        [
          { role: 'system', content: system },
          { role: 'user', content: correction ? `${transcript}\n\nYour previous answer was invalid: ${correction}. Answer again.` : transcript },
        ],
        { name: ASSESSMENT_TOOL.name, schema: ASSESSMENT_TOOL.inputSchema },
      );
      try {
        return JSON.parse(raw);
      } catch {
        return raw; // not JSON: zod says so, and the model is asked again
      }
    },
  };
}
