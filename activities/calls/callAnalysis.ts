import { analysisMessages, callAnalysisFormat, parseCallAnalysis } from '../../src/calls/agent/callAnalysis';
import { CALL_ENTITIES_CONTEXT, CALL_SUMMARY_CONTEXT, CALL_TO_CONTEXT, TRANSCRIPT_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone } from '../../src/platform/crypto/phoneNumbers';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Db } from '../../src/platform/db/knex';
import { callHistoryRepository } from '../../src/calls/repositories/callHistory';
import { withTenant } from '../../src/platform/db/tenancy';
import type { LlmProvider } from '../../src/platform/providers/llm';
import { ProcessingLimits } from '../../src/privacy/processingLimits';

export function createCallAnalysisActivities(deps: { db: Db; fields: FieldCipher; llm: LlmProvider; llmConfigured: boolean }) {
  const { db, fields } = deps;
  return {
    /**
     * After the call: intents, entities and a summary from the stored transcript, through structured
     * output. Invalid model output throws (the activity retries); writing the same analysis again is
     * harmless. Without a configured model there is nothing to ask, and the call keeps its outcome only.
     * A caller who restricted processing or objected to it is not analysed (`limited`).
     */
    async analyzeCall(input: { orgId: string; callId: string }): Promise<'analyzed' | 'skipped' | 'limited'> {
      if (!deps.llmConfigured) return 'skipped';
      const found = await withTenant(db, input.orgId, async (trx) => {
        const history = callHistoryRepository(trx);
        const call = await history.findCall(input.callId);
        const org = await trx('organizations').where({ id: input.orgId }).first('name', 'time_zone');
        const limits = await ProcessingLimits.load(trx, fields, input.orgId);
        const limited = !!call && limits.callLimited(call, 'analysis');
        return { call, org, limited, turns: call && !limited ? await history.transcript(call.id) : [] };
      });
      if (!found.call || !found.org) throw new Error(`call ${input.callId} not found`);
      if (found.limited) return 'limited';
      const transcript = await Promise.all(
        found.turns.map(async (t) => ({ role: t.role, text: await fields.decrypt(input.orgId, TRANSCRIPT_CONTEXT, t.text_ciphertext) })),
      );
      if (!transcript.some((t) => t.role === 'caller')) return 'skipped';

      const raw = await deps.llm.completeJson(analysisMessages({ name: found.org.name, timeZone: found.org.time_zone }, transcript), callAnalysisFormat);
      const analysis = parseCallAnalysis(raw, (await openPhone(fields, input.orgId, CALL_TO_CONTEXT, found.call))!);
      const entities = await fields.encrypt(input.orgId, CALL_ENTITIES_CONTEXT, JSON.stringify(analysis.entities));
      const summary = await fields.encrypt(input.orgId, CALL_SUMMARY_CONTEXT, analysis.summary);
      await withTenant(db, input.orgId, (trx) =>
        trx('calls')
          .where({ id: input.callId })
          .update({ intents: analysis.intents, entities_ciphertext: entities, summary_ciphertext: summary, updated_at: trx.fn.now() }),
      );
      return 'analyzed';
    },
  };
}

export type CallAnalysisActivities = ReturnType<typeof createCallAnalysisActivities>;
