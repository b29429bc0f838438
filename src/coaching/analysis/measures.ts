import type { ReportLine } from '../../../workflows/coaching/definitions';

/**
 * What is measured from the learner's words and timings by code, not by a model: counts, speaking rate,
 * pauses, lexical diversity. Each function says what it measures; where the data is missing the measure
 * is `not measured`, never estimated.
 */

/** Fewer words than this from the learner: feedback only, no scores (too little evidence). */
export const MIN_WORDS_FOR_SCORES = 75;

export const wordsOf = (text: string): string[] => text.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? [];

export type Measured<T> = ({ measured: true } & T) | { measured: false; reason: string };

export interface FluencyMeasure {
  /** Learner words per minute of the learner's own speaking time. */
  wordsPerMinute: number;
  /** Mean words per learner turn (run length). */
  meanRunWords: number;
  /** Mean pause between the coach finishing and the learner starting, in seconds. */
  meanResponsePauseSeconds: number;
  score: number;
  explanation: string;
}

/**
 * Fluency from the engine's per-line timings (Vapi gives them; the built-in engine's speech webhooks do
 * not): speaking rate over the learner's speaking time, run length, response pauses. The score is
 * `100 × min(1, rate / 140) × pauseFactor`, where pauseFactor is 1 up to a 1.5 s mean response pause,
 * falling linearly to 0.5 at 5 s: 140 words a minute is an unhurried conversational rate.
 */
export function fluencyOf(lines: ReportLine[]): Measured<FluencyMeasure> {
  const learner = lines.filter((l) => l.role === 'learner');
  if (learner.length === 0 || learner.some((l) => l.startMs === undefined || l.endMs === undefined)) return { measured: false, reason: 'the voice engine reported no timings for the learner’s speech' };
  const words = learner.reduce((n, l) => n + wordsOf(l.text).length, 0);
  const speakingMs = learner.reduce((n, l) => n + Math.max(0, l.endMs! - l.startMs!), 0);
  if (speakingMs < 5_000) return { measured: false, reason: 'less than five seconds of timed learner speech' };
  const pauses: number[] = [];
  lines.forEach((line, i) => {
    const previous = lines[i - 1];
    if (line.role === 'learner' && previous?.role === 'coach' && previous.endMs !== undefined && line.startMs !== undefined) pauses.push(Math.max(0, line.startMs - previous.endMs) / 1000);
  });
  const wordsPerMinute = Math.round((words / speakingMs) * 60_000);
  const meanPause = pauses.length ? pauses.reduce((a, b) => a + b, 0) / pauses.length : 0;
  const pauseFactor = meanPause <= 1.5 ? 1 : Math.max(0.5, 1 - ((meanPause - 1.5) / 3.5) * 0.5);
  const score = Math.round(100 * Math.min(1, wordsPerMinute / 140) * pauseFactor);
  return {
    measured: true,
    wordsPerMinute,
    meanRunWords: Math.round((words / learner.length) * 10) / 10,
    meanResponsePauseSeconds: Math.round(meanPause * 10) / 10,
    score,
    explanation: `${wordsPerMinute} words a minute over ${Math.round(speakingMs / 1000)} s of speech, ${Math.round((words / learner.length) * 10) / 10} words a turn, responses after ${Math.round(meanPause * 10) / 10} s on average.`,
  };
}

/**
 * Lexical diversity as the moving-average type-token ratio (MATTR) over 50-word windows: the share of
 * different words, stable across call lengths (a plain type-token ratio falls as a call gets longer).
 * Below 50 words, the plain ratio.
 */
export function lexicalDiversity(words: string[]): number {
  const window = 50;
  if (words.length === 0) return 0;
  if (words.length <= window) return new Set(words).size / words.length;
  let total = 0;
  for (let i = 0; i + window <= words.length; i++) total += new Set(words.slice(i, i + window)).size / window;
  return total / (words.length - window + 1);
}
