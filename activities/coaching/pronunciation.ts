import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../../src/platform/config';
import { PRACTICE_ANALYSIS_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import { callHistoryRepository } from '../../src/calls/repositories/callHistory';
import { vapiClientOf } from '../../src/coaching/engineRecordings';
import type { VapiClient } from '../../src/coaching/engines/vapiClient';
import { AzureSpeechError, azureSpeechService, type ClipAssessment, type PronunciationService } from '../../src/coaching/pronunciation/azureSpeech';
import { learnerClips, UnreadableRecording } from '../../src/coaching/pronunciation/clips';
import { pronunciationOf, type PronunciationMeasure } from '../../src/coaching/pronunciation/score';

export const pronunciationServiceOf = (config: Pick<Config, 'pronunciation'>): PronunciationService | undefined => (config.pronunciation ? azureSpeechService(config.pronunciation) : undefined);

export function createPronunciationActivities(deps: { db: Db; fields: FieldCipher; config: Config; vapi?: VapiClient; pronunciation?: PronunciationService }) {
  const { db, fields, config } = deps;
  const service = deps.pronunciation ?? pronunciationServiceOf(config);
  const vapi = deps.vapi ?? vapiClientOf(config);

  /** Writes the measure into a completed analysis (a call analysed again later gets its own). */
  async function store(orgId: string, practiceCallId: string, measure: PronunciationMeasure): Promise<void> {
    await withTenant(db, orgId, async (trx) => {
      const row = await trx('practice_analyses').where({ practice_call_id: practiceCallId, status: 'completed' }).forUpdate().first('result_ciphertext');
      if (!row?.result_ciphertext) return;
      const result = JSON.parse(await fields.decrypt(orgId, PRACTICE_ANALYSIS_CONTEXT, row.result_ciphertext));
      result.pronunciation = measure;
      await trx('practice_analyses')
        .where({ practice_call_id: practiceCallId })
        .update({ pronunciation_score: measure.measured ? measure.score : null, result_ciphertext: await fields.encrypt(orgId, PRACTICE_ANALYSIS_CONTEXT, JSON.stringify(result)), updated_at: trx.fn.now() });
    });
  }

  return {
    /**
     * Pronunciation, from audio only: the learner-only recording the voice engine keeps, cut into clips at
     * the learner's turns, each assessed by the configured service; stored with its source beside the
     * analysis's other scores. Without a service, a completed analysis, or a learner-only recording, the
     * analysis keeps (or gets) "not measured" with the reason. Doing it again replaces it.
     */
    async assessPronunciation(input: { orgId: string; practiceCallId: string }): Promise<{ measured: boolean }> {
      if (!service) return { measured: false }; // the analysis already says none is configured
      const found = await withTenant(db, input.orgId, async (trx) => {
        const analysis = await trx('practice_analyses').where({ practice_call_id: input.practiceCallId }).first('status');
        if (analysis?.status !== 'completed') return undefined; // objected, too short, failed: nothing to add
        const pc = await trx('practice_calls').where({ id: input.practiceCallId }).first('engine', 'call_id', 'recording_ref', 'recording_deleted_at');
        const turns = pc?.call_id ? await callHistoryRepository(trx).transcript(pc.call_id) : [];
        return { pc, learnerTurns: turns.filter((t) => t.role === 'caller').map((t) => ({ startMs: t.start_ms ?? undefined, endMs: t.end_ms ?? undefined })) };
      });
      if (!found?.pc) return { measured: false };
      const { pc, learnerTurns } = found;
      const notMeasured = async (reason: string) => {
        await store(input.orgId, input.practiceCallId, { measured: false, reason });
        return { measured: false };
      };
      if (pc.engine !== 'vapi') return notMeasured('the built-in Twilio engine records the coach and the learner together; pronunciation is assessed only on a learner-only recording');
      if (!pc.recording_ref || pc.recording_deleted_at) return notMeasured('the voice engine kept no recording of this call to assess');
      if (!vapi) throw ApplicationFailure.nonRetryable('the recording is at Vapi, but VAPI_API_KEY is not set', 'NoVapi');

      const recording = await vapi.learnerRecording(pc.recording_ref);
      if (!recording) return notMeasured('Vapi has no learner recording of this call (deleted, or never recorded)');
      let cut: ReturnType<typeof learnerClips>;
      try {
        cut = learnerClips(recording.audio, learnerTurns, config.pronunciation?.maxClips ?? 12);
      } catch (error) {
        if (error instanceof UnreadableRecording) return notMeasured(error.message);
        throw error;
      }
      const assessed: ClipAssessment[] = [];
      for (const [i, clip] of cut.clips.entries()) {
        try {
          assessed.push(await service.assessClip(clip.wav, clip.seconds));
        } catch (error) {
          if (error instanceof AzureSpeechError && error.permanent) throw ApplicationFailure.nonRetryable(error.message, 'AssessmentRefused');
          throw error;
        }
        Context.current().heartbeat({ clip: i + 1, of: cut.clips.length });
      }
      const measure = pronunciationOf(assessed, { source: service.source, sourceSampleRate: cut.sourceSampleRate });
      await store(input.orgId, input.practiceCallId, measure);
      return { measured: measure.measured };
    },

    /** The assessment failed for good: the analysis stays, its pronunciation says why it is not measured. */
    async notePronunciationFailed(input: { orgId: string; practiceCallId: string; error: string }): Promise<void> {
      await store(input.orgId, input.practiceCallId, { measured: false, reason: `the pronunciation assessment failed: ${input.error.slice(0, 300)}` });
    },
  };
}

export type PronunciationActivities = ReturnType<typeof createPronunciationActivities>;
