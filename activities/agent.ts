import { log } from '@temporalio/activity';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { systemPrompt, type AgentContext } from '../src/agent/prompt';
import { agentTools, toolSchemas, type ToolName } from '../src/agent/tools';
import type { FieldCipher } from '../src/crypto/fieldEncryption';
import type { Db } from '../src/db/knex';
import { withTenant } from '../src/db/tenancy';
import type { LlmProvider } from '../src/providers/llm';
import { countryOf, toE164 } from '../src/phone';
import { storeTranscriptLines, type TranscriptLines } from './transcriptRows';

export interface ConversationEntry {
  role: 'caller' | 'agent';
  text: string;
}

/** What a turn's tool calls ask the call workflow to do (the workflow performs them durably). */
export type AgentEffect =
  | { type: 'message'; callerName: string; callbackE164?: string; message: string }
  | { type: 'transfer' }
  | { type: 'end' };

export interface AgentTurnResult {
  say: string;
  effects: AgentEffect[];
  /** The transcript lines handed in were stored (absent in results recorded before they were). */
  transcriptStored?: boolean;
}

export interface AgentTurnInput {
  orgId: string;
  callerE164: string;
  history: ConversationEntry[];
  /** Transcript lines not yet stored, written while the model thinks. */
  transcript?: TranscriptLines;
}

/** Tool rounds per caller turn: enough for check → answer, bounded so a looping model cannot stall a call. */
const MAX_ROUNDS = 4;
const CONTEXT_TTL_MS = 30_000;

export function createAgentActivities(deps: { db: Db; fields: FieldCipher; llm: LlmProvider; now?: () => Date }) {
  const contexts = new Map<string, { at: number; context: AgentContext }>();

  async function context(orgId: string): Promise<AgentContext> {
    const hit = contexts.get(orgId);
    if (hit && Date.now() - hit.at < CONTEXT_TTL_MS) return hit.context;
    const org = await withTenant(deps.db, orgId, (trx) => trx('organizations').where({ id: orgId }).first());
    if (!org) throw new Error(`organization ${orgId} not found`);
    const value: AgentContext = {
      name: org.name,
      timeZone: org.time_zone,
      instructions: org.agent_instructions,
      businessHours: org.business_hours,
      faq: org.faq,
    };
    contexts.set(orgId, { at: Date.now(), context: value });
    return value;
  }

  /** Stores the lines; a failure is reported, not thrown, so the workflow writes them later instead. */
  async function storeLines(lines: TranscriptLines | undefined): Promise<boolean> {
    if (!lines) return false;
    try {
      await storeTranscriptLines(deps, lines);
      return true;
    } catch (error) {
      log.warn('transcript lines not stored with the turn; the call will store them later', { error: String(error) });
      return false;
    }
  }

  /** The model's answer to the conversation so far, after as many tool rounds as it needs (bounded). */
  async function respond(input: AgentTurnInput): Promise<Omit<AgentTurnResult, 'transcriptStored'>> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: systemPrompt(await context(input.orgId), (deps.now ?? (() => new Date()))()) },
      ...input.history.map((h): ChatCompletionMessageParam => ({ role: h.role === 'caller' ? 'user' : 'assistant', content: h.text })),
    ];
    const effects: AgentEffect[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const reply = await deps.llm.complete(messages, agentTools);
      if (reply.toolCalls.length === 0) return { say: (reply.content ?? '').trim(), effects };
      messages.push({
        role: 'assistant',
        content: reply.content,
        tool_calls: reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      });
      for (const call of reply.toolCalls) {
        messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(runTool(call.name, call.arguments, effects, input.callerE164)) });
      }
      // Transfer and hang-up end the turn: what the model says next would never be heard.
      if (effects.some((e) => e.type !== 'message')) return { say: (reply.content ?? '').trim(), effects };
    }
    return { say: 'Sorry, could you say that again?', effects };
  }

  return {
    /**
     * One caller turn: the LLM with the organization's context and the conversation so far, running tools
     * until it has something to say, while the turn's transcript lines are stored alongside (a write of a
     * few milliseconds hidden behind the model's hundreds). Runs as a local activity on the caller's
     * critical path; an LLM failure (timeout, rate limit, error) fails it, and the call workflow switches
     * to its scripted path.
     */
    async agentTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
      const [transcriptStored, answer] = await Promise.all([storeLines(input.transcript), respond(input)]);
      return { ...answer, transcriptStored };
    },
  };
}

/**
 * Validates a tool call and applies it; invalid arguments go back to the model as an error. A callback
 * number said in national format is read in the caller's own country.
 */
function runTool(name: string, rawArguments: string, effects: AgentEffect[], callerE164: string): Record<string, unknown> {
  if (!(name in toolSchemas)) return { ok: false, error: `unknown tool "${name}"` };
  let args: unknown;
  try {
    args = JSON.parse(rawArguments || '{}');
  } catch {
    return { ok: false, error: 'arguments are not valid JSON' };
  }
  const parsed = toolSchemas[name as ToolName].safeParse(args);
  if (!parsed.success) {
    return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ') };
  }
  switch (name as ToolName) {
    case 'take_message': {
      const a = parsed.data as { caller_name: string; callback_number?: string; message: string };
      const callback = a.callback_number ? toE164(a.callback_number, countryOf(callerE164)) : undefined;
      if (a.callback_number && !callback) return { ok: false, error: 'callback_number is not a valid phone number' };
      effects.push({ type: 'message', callerName: a.caller_name, callbackE164: callback, message: a.message });
      return { ok: true, result: 'The message is recorded and the business will be notified.' };
    }
    case 'transfer_to_human':
      effects.push({ type: 'transfer' });
      return { ok: true };
    case 'end_call':
      effects.push({ type: 'end' });
      return { ok: true };
    default:
      // The appointment tools act on booking workflows, which are not built yet: say so truthfully.
      return { ok: false, error: 'Appointments cannot be handled by phone yet. Offer to take a message instead.' };
  }
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
