import { WaveFile } from 'wavefile';
import { learnerClips } from '../../src/coaching/pronunciation/clips';

/** The recording as the assessment service takes it: no stack needed, the audio is made here. */
test('clips: phone audio decoded and resampled to 16 kHz, long turns cut under 30 s, no timings means consecutive pieces', () => {
  const rate = 8000;
  const wav = new WaveFile();
  wav.fromScratch(1, rate, '16', Int16Array.from({ length: rate * 35 }, (_, i) => Math.round(5000 * Math.sin(i / 5))));
  wav.toMuLaw();
  const audio = Buffer.from(wav.toBuffer());
  const long = learnerClips(audio, [{ startMs: 2_000, endMs: 33_000 }], 10);
  expect(long.sourceSampleRate).toBe(8000);
  expect(long.clips.map((c) => c.seconds)).toEqual([29.5, 2]);
  const first = new WaveFile(long.clips[0]!.wav);
  expect(first.fmt).toMatchObject({ sampleRate: 16000, numChannels: 1, audioFormat: 1 });
  expect(first.bitDepth).toBe('16');
  expect(learnerClips(audio, [{}], 1).clips.map((c) => c.seconds)).toEqual([29.5]);
  expect(() => learnerClips(Buffer.from('ID3 not a wav'), [], 3)).toThrow('not a WAV file');
});
