import type { Measured } from '../analysis/measures';
import type { ClipAssessment } from './azureSpeech';

/** Less clear speech than this and the service's scores say more about the clips than about the learner. */
export const MIN_ASSESSED_SECONDS = 10;

export type PronunciationMeasure = Measured<{
  score: number;
  accuracy: number;
  fluency: number | null;
  prosody: number | null;
  secondsAssessed: number;
  clipsAssessed: number;
  clipsWithoutSpeech: number;
  meanSnr: number | null;
  mispronounced: string[];
  source: string;
  audio: string;
  explanation: string;
}>;

const weighted = (clips: Array<{ seconds: number; value: number | null }>): number | null => {
  const known = clips.filter((c): c is { seconds: number; value: number } => c.value !== null);
  const seconds = known.reduce((s, c) => s + c.seconds, 0);
  return seconds > 0 ? Math.round((known.reduce((s, c) => s + c.value * c.seconds, 0) / seconds) * 10) / 10 : null;
};

/** The call's pronunciation: the service's clip scores averaged by how long each clip's speech lasted. */
export function pronunciationOf(assessed: ClipAssessment[], meta: { source: string; sourceSampleRate: number }): PronunciationMeasure {
  const heard = assessed.filter((c): c is Extract<ClipAssessment, { recognised: true }> => c.recognised);
  const seconds = Math.round(heard.reduce((s, c) => s + c.seconds, 0) * 10) / 10;
  if (seconds < MIN_ASSESSED_SECONDS) return { measured: false, reason: `only ${seconds} s of the learner's speech could be assessed (${assessed.length - heard.length} of ${assessed.length} clip(s) held no recognisable speech); at least ${MIN_ASSESSED_SECONDS} s are needed` };
  const score = weighted(heard.map((c) => ({ seconds: c.seconds, value: c.pronunciation })))!;
  return {
    measured: true,
    score: Math.round(score),
    accuracy: weighted(heard.map((c) => ({ seconds: c.seconds, value: c.accuracy })))!,
    fluency: weighted(heard.map((c) => ({ seconds: c.seconds, value: c.fluency }))),
    prosody: weighted(heard.map((c) => ({ seconds: c.seconds, value: c.prosody }))),
    secondsAssessed: seconds,
    clipsAssessed: heard.length,
    clipsWithoutSpeech: assessed.length - heard.length,
    meanSnr: weighted(heard.map((c) => ({ seconds: c.seconds, value: c.snr }))),
    mispronounced: [...new Set(heard.flatMap((c) => c.mispronounced.map((w) => w.toLowerCase())))].slice(0, 30),
    source: meta.source,
    audio: meta.sourceSampleRate < 16_000 ? `phone audio recorded at ${meta.sourceSampleRate} Hz, resampled to 16 kHz (no detail is added)` : `recorded at ${meta.sourceSampleRate} Hz`,
    explanation: `The service's pronunciation score (accuracy, fluency and prosody combined) over ${seconds} s of your speech in ${heard.length} clip(s). Phone audio scores lower than a microphone: compare your calls with each other, not with app recordings.`,
  };
}
