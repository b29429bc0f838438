import { createServer, type Server } from 'node:http';
import { WaveFile } from 'wavefile';

/**
 * A local server speaking Azure AI Speech's REST API for short audio with pronunciation assessment
 * (`POST /speech/recognition/conversation/cognitiveservices/v1`). It refuses what Azure refuses (no key,
 * no language, audio that is not 16 kHz mono PCM WAV, an assessment header that is not base64 JSON, more
 * than 30 s) and answers like it: `InitialSilenceTimeout` for a silent clip, otherwise the scripted scores
 * in the REST page's flat shape or the SDK's nested one. Every accepted clip is kept (its seconds and
 * the assessment asked for).
 */
export interface FakeAzureSpeech {
  endpoint: string;
  key: string;
  scores: { accuracy: number; fluency: number; prosody: number; pron: number; snr: number; mispronounced: string[] };
  shape: 'flat' | 'nested';
  clips: Array<{ seconds: number; language: string; assessment: Record<string, unknown>; silent: boolean }>;
  /** The next N requests answer this status (e.g. 401 a bad key, 503 an outage). */
  fail: { count: number; status: number };
  close(): Promise<void>;
}

export async function startFakeAzureSpeech(key = 'azure-speech-test-key'): Promise<FakeAzureSpeech> {
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== '/speech/recognition/conversation/cognitiveservices/v1') return send(404, { error: 'not found' });
    if (req.headers['ocp-apim-subscription-key'] !== fake.key) return send(401, { error: { code: '401', message: 'Access denied due to invalid subscription key.' } });
    if (fake.fail.count > 0) {
      fake.fail.count -= 1;
      return send(fake.fail.status, { error: { code: String(fake.fail.status), message: 'scripted failure' } });
    }
    const language = url.searchParams.get('language');
    if (!language || url.searchParams.get('format') !== 'detailed') return res.writeHead(400).end('language and format=detailed are required');
    if (req.headers['content-type'] !== 'audio/wav; codecs=audio/pcm; samplerate=16000') return res.writeHead(415).end('unsupported content type');
    let assessment: Record<string, unknown>;
    try {
      assessment = JSON.parse(Buffer.from(String(req.headers['pronunciation-assessment']), 'base64').toString('utf8'));
    } catch {
      return res.writeHead(400).end('Pronunciation-Assessment must be base64 JSON');
    }
    let samples: Int16Array;
    try {
      const wav = new WaveFile(body);
      const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
      if (fmt.audioFormat !== 1 || fmt.numChannels !== 1 || fmt.sampleRate !== 16_000 || wav.bitDepth !== '16') return res.writeHead(400).end('audio must be 16 kHz mono 16-bit PCM');
      samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
    } catch {
      return res.writeHead(400).end('not a WAV file');
    }
    const seconds = samples.length / 16_000;
    if (seconds > 30) return res.writeHead(400).end('pronunciation assessment takes at most 30 seconds of audio');
    const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / Math.max(1, samples.length));
    const silent = rms < 300;
    fake.clips.push({ seconds, language, assessment, silent });
    if (silent) return send(200, { RecognitionStatus: 'InitialSilenceTimeout', Offset: 0, Duration: Math.round(seconds * 1e7) });
    const { accuracy, fluency, prosody, pron, snr, mispronounced } = fake.scores;
    const scored = { AccuracyScore: accuracy, FluencyScore: fluency, ProsodyScore: prosody, PronScore: pron };
    const words = ['so', 'i', 'think', ...mispronounced].map((word) => {
      const errorType = mispronounced.includes(word) ? 'Mispronunciation' : 'None';
      const w = { AccuracyScore: errorType === 'None' ? 95 : 40, ErrorType: errorType };
      return fake.shape === 'flat' ? { Word: word, ...w } : { Word: word, PronunciationAssessment: w };
    });
    const best = fake.shape === 'flat' ? { Confidence: 0.9, Lexical: words.map((w) => w.Word).join(' '), ...scored, Words: words } : { Confidence: 0.9, Lexical: words.map((w) => w.Word).join(' '), PronunciationAssessment: scored, Words: words };
    send(200, { RecognitionStatus: 'Success', Offset: 0, Duration: Math.round(seconds * 1e7), SNR: snr, DisplayText: 'So I think.', NBest: [best] });
  });
  const fake: FakeAzureSpeech = {
    endpoint: '',
    key,
    scores: { accuracy: 82, fluency: 76, prosody: 70, pron: 78, snr: 24, mispronounced: ['responsibility'] },
    shape: 'nested',
    clips: [],
    fail: { count: 0, status: 503 },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}
