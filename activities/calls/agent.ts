import { Context, log } from '@temporalio/activity';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { systemPrompt, type AgentContext } from '../../src/calls/agent/prompt';
import { agentTools, personaTools } from '../../src/calls/agent/tools';
import type { AgentPersona } from '../../workflows/calls/definitions';
import type { BookingService } from '../../src/booking/bookingService';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { LlmProvider } from '../../src/platform/providers/llm';
import { createToolRunner, type AgentEffect } from './agentTools';
import { storeTranscriptLines, type TranscriptLines } from './transcriptRows';
import { stageTimings } from '../../src/platform/stageTimings';

export interface ConversationEntry {
  role: 'caller' | 'agent';
  text: string;
}

export type { AgentEffect };

export interface AgentTurnResult {
  say: string;
  effects: AgentEffect[];
  /** The transcript lines handed in were stored (absent in results recorded before they were). */
  transcriptStored?: boolean;
}

export interface AgentTurnInput {
  orgId: string;
  /** Absent in turns recorded before booking tools existed. */
  callId?: string;
  /** The call's turn number (absent in turns recorded before it was passed). */
  turn?: number;
  callerE164: string;
  history: ConversationEntry[];
  /** Transcript lines not yet stored, written while the model thinks. */
  transcript?: TranscriptLines;
  /** Another agent than the receptionist: its prompt and tools (absent: the receptionist). */
  persona?: AgentPersona;
}

/** Tool rounds per caller turn: enough for check → answer, bounded so a looping model cannot stall a call. */
const MAX_ROUNDS = 4;
const CONTEXT_TTL_MS = 30_000;

export function createAgentActivities(deps: { db: Db; fields: FieldCipher; llm: LlmProvider; booking: BookingService; turnBudgetMs: number; now?: () => Date }) {
  const runTool = createToolRunner(deps);
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
      await stageTimings.time('worker: transcript lines stored (beside the LLM, not waited for)', () => storeTranscriptLines(deps, lines));
      return true;
    } catch (error) {
      log.warn('transcript lines not stored with the turn; the call will store them later', { error: String(error) });
      return false;
    }
  }

  /** The model's answer to the conversation so far, after as many tool rounds as it needs (bounded). */
  async function respond(input: AgentTurnInput): Promise<Omit<AgentTurnResult, 'transcriptStored'>> {
    const org = await stageTimings.time('worker: agent context (organization, cached 30 s)', () => context(input.orgId));
    const persona = input.persona;
    const tools = persona ? personaTools[persona.tools] : agentTools;
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: persona ? persona.systemPrompt : systemPrompt(org, (deps.now ?? (() => new Date()))()) },
      ...input.history.map((h): ChatCompletionMessageParam => ({ role: h.role === 'caller' ? 'user' : 'assistant', content: h.text })),
    ];
    const effects: AgentEffect[] = [];
    // One budget for the whole turn, all rounds and tools: past it the caller is already on the scripted
    // path, so nothing more may happen on their behalf.
    const budget = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(deps.turnBudgetMs)]);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let reply;
      try {
        reply = await stageTimings.time('worker: LLM request (fake LLM, fixed latency)', () => deps.llm.complete(messages, tools, budget));
      } catch (error) {
        // What earlier rounds did (a message taken, a booking made) stands: report it, not a failure.
        if (effects.length === 0) throw error;
        return { say: "Sorry, I'm having a little trouble. Is there anything else I can help with?", effects };
      }
      if (reply.toolCalls.length === 0) return { say: (reply.content ?? '').trim(), effects };
      messages.push({
        role: 'assistant',
        content: reply.content,
        tool_calls: reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      });
      for (const call of reply.toolCalls) {
        const result = budget.aborted ? { ok: false, error: 'out of time' } : await runTool(call.name, call.arguments, { orgId: input.orgId, callId: input.callId, turn: input.turn ?? input.history.length, callerE164: input.callerE164, timeZone: org.timeZone }, effects);
        messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
      }
      // Transfer and hang-up end the turn: what the model says next would never be heard.
      if (effects.some((e) => e.type === 'transfer' || e.type === 'end' || e.type === 'opt_out')) return { say: (reply.content ?? '').trim() || (effects.some((e) => e.type === 'opt_out') ? (persona?.optOutGoodbye ?? '') : ''), effects };
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
      // The write never holds the answer up: unfinished by then, the lines travel with the next turn
      // (a late write is harmless, lines are keyed).
      let transcriptStored = false;
      void storeLines(input.transcript).then((stored) => (transcriptStored = stored));
      const answer = await respond(input);
      return { ...answer, transcriptStored };
    },
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;
