import { z } from 'zod';
import { refusedForGood } from '../../platform/providers/httpRefusal';

/**
 * Azure AI Speech pronunciation assessment through its REST API for short audio: one clip of at most
 * 30 s of 16 kHz mono PCM WAV per request, unscripted (no reference text: the learner speaks freely),
 * scored out of 100. Its answer is checked with zod; the REST page puts the scores on `NBest[0]` itself,
 * the SDK's parser reads them from `NBest[0].PronunciationAssessment`, so both shapes are read.
 */

const Scores = z.looseObject({
  AccuracyScore: z.number().min(0).max(100).optional(),
  FluencyScore: z.number().min(0).max(100).optional(),
  ProsodyScore: z.number().min(0).max(100).optional(),
  PronScore: z.number().min(0).max(100).optional(),
  ErrorType: z.string().optional(),
});
const Word = Scores.extend({ Word: z.string(), PronunciationAssessment: Scores.optional() });
const Best = Scores.extend({ Lexical: z.string().optional(), PronunciationAssessment: Scores.optional(), Words: z.array(Word).optional() });
const Answer = z.looseObject({
  RecognitionStatus: z.string(),
  /** 100-nanosecond ticks. */
  Duration: z.number().optional(),
  SNR: z.number().optional(),
  NBest: z.array(Best).optional(),
});

/** One clip's assessment; `recognised: false` when the service heard no speech in it (silence, noise). */
export type ClipAssessment =
  | { recognised: false; status: string }
  | { recognised: true; seconds: number; pronunciation: number; accuracy: number; fluency: number | null; prosody: number | null; snr: number | null; mispronounced: string[] };

export class AzureSpeechError extends Error {
  override name = 'AzureSpeechError';
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`Azure AI Speech answered ${status}: ${body.slice(0, 300)}`);
  }
  /** A refused request (a bad key, audio it cannot read) is refused again; overload and outages are not. */
  get permanent(): boolean {
    return refusedForGood(this.status);
  }
}

export interface PronunciationService {
  /** Where the scores come from, stored with them. */
  source: string;
  assessClip(wav16k: Buffer, seconds: number): Promise<ClipAssessment>;
}

export function azureSpeechService(config: { key: string; endpoint: string; language: string; timeoutMs?: number }): PronunciationService {
  const assessment = {
    ReferenceText: '',
    GradingSystem: 'HundredMark',
    Granularity: 'Word',
    Dimension: 'Comprehensive',
    // Prosody is assessed in en-US only.
    ...(config.language === 'en-US' ? { EnableProsodyAssessment: 'True' } : {}),
  };
  const header = Buffer.from(JSON.stringify(assessment), 'utf8').toString('base64');
  const url = `${config.endpoint}/speech/recognition/conversation/cognitiveservices/v1?${new URLSearchParams({ language: config.language, format: 'detailed' })}`;
  return {
    source: `Azure AI Speech pronunciation assessment (unscripted, ${config.language}, REST short audio)`,
    async assessClip(wav16k, seconds) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Ocp-Apim-Subscription-Key': config.key,
          'Content-Type': 'audio/wav; codecs=audio/pcm; samplerate=16000',
          Accept: 'application/json',
          'Pronunciation-Assessment': header,
        },
        body: wav16k,
        signal: AbortSignal.timeout(config.timeoutMs ?? 60_000),
      });
      const text = await res.text();
      if (!res.ok) throw new AzureSpeechError(res.status, text);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new AzureSpeechError(502, `not JSON: ${text.slice(0, 100)}`);
      }
      const answer = Answer.parse(json);
      const best = answer.NBest?.[0];
      const scores = best ? { ...best, ...best.PronunciationAssessment } : undefined;
      if (answer.RecognitionStatus !== 'Success' || scores?.AccuracyScore === undefined || scores.PronScore === undefined) return { recognised: false, status: answer.RecognitionStatus };
      return {
        recognised: true,
        seconds: answer.Duration ? answer.Duration / 10_000_000 : seconds,
        pronunciation: scores.PronScore,
        accuracy: scores.AccuracyScore,
        fluency: scores.FluencyScore ?? null,
        prosody: scores.ProsodyScore ?? null,
        snr: answer.SNR ?? null,
        mispronounced: (best?.Words ?? []).filter((w) => (w.PronunciationAssessment?.ErrorType ?? w.ErrorType) === 'Mispronunciation').map((w) => w.Word),
      };
    },
  };
}
