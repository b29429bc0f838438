import { WaveFile } from 'wavefile';

/** The service takes at most 30 s per clip; a little under leaves room for the WAV's own rounding. */
const MAX_CLIP_SECONDS = 29.5;
const MIN_CLIP_SECONDS = 1;
/** Speech-to-text timings cut words at their edges; a quarter second either side keeps them whole. */
const PAD_MS = 250;
const RATE = 16_000;

export class UnreadableRecording extends Error {
  override name = 'UnreadableRecording';
}

/**
 * The learner's recording as the clips the assessment service takes: decoded from the WAV the engine
 * keeps (phone audio is 8 kHz μ-law or PCM), mixed to mono, resampled to 16 kHz 16-bit PCM (the only
 * WAV the service reads; resampling adds no detail the phone line dropped), and cut at the learner's
 * turns where the transcript has timings, else into consecutive pieces. The longest clips are kept, up
 * to `maxClips`, in call order.
 */
export function learnerClips(recording: Buffer, turns: Array<{ startMs?: number; endMs?: number }>, maxClips: number): { clips: Array<{ wav: Buffer; seconds: number; startMs: number }>; recordingSeconds: number; sourceSampleRate: number } {
  let wav: WaveFile;
  try {
    wav = new WaveFile(recording);
  } catch (error) {
    throw new UnreadableRecording(`the recording is not a WAV file the assessment can read (${(error as Error).message})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  const sourceSampleRate = fmt.sampleRate;
  if (fmt.audioFormat === 7) wav.fromMuLaw();
  else if (fmt.audioFormat === 6) wav.fromALaw();
  else if (wav.bitDepth !== '16') wav.toBitDepth('16');
  let samples = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  if (Array.isArray(samples)) {
    const channels = samples;
    samples = Int16Array.from(channels[0]!, (_, i) => Math.round(channels.reduce((sum, c) => sum + c[i]!, 0) / channels.length));
  }
  const source = samples;
  const totalMs = (source.length / sourceSampleRate) * 1000;

  const timed = turns.filter((t): t is { startMs: number; endMs: number } => t.startMs !== undefined && t.endMs !== undefined && t.endMs > t.startMs);
  const spans = timed.length > 0 ? timed.map((t) => [Math.max(0, t.startMs - PAD_MS), Math.min(totalMs, t.endMs + PAD_MS)] as const) : [[0, totalMs] as const];
  const pieces: Array<{ startMs: number; endMs: number }> = [];
  for (const [from, to] of spans) {
    for (let start = from; to - start >= MIN_CLIP_SECONDS * 1000; start += MAX_CLIP_SECONDS * 1000) pieces.push({ startMs: start, endMs: Math.min(to, start + MAX_CLIP_SECONDS * 1000) });
  }
  const kept = pieces
    .filter((p) => p.endMs - p.startMs >= MIN_CLIP_SECONDS * 1000)
    .sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))
    .slice(0, maxClips)
    .sort((a, b) => a.startMs - b.startMs);
  // Only the kept clips are resampled: a long call's silence while the coach speaks costs nothing.
  const clips = kept.map((p) => {
    const clip = new WaveFile();
    clip.fromScratch(1, sourceSampleRate, '16', source.subarray(Math.floor((p.startMs / 1000) * sourceSampleRate), Math.floor((p.endMs / 1000) * sourceSampleRate)));
    if (sourceSampleRate !== RATE) clip.toSampleRate(RATE);
    return { wav: Buffer.from(clip.toBuffer()), seconds: (p.endMs - p.startMs) / 1000, startMs: Math.round(p.startMs) };
  });
  return { clips, recordingSeconds: totalMs / 1000, sourceSampleRate };
}
