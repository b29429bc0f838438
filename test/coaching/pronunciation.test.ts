import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic';
import { startFakeAzureSpeech, type FakeAzureSpeech } from '../fakes/azureSpeech';
import { startCoachStack, type CoachStack } from '../helpers/coachStack';
import { recordHistory } from '../helpers/histories';
import { conversation, heldPracticeCall, LEARNER_TURNS, VALID } from '../helpers/practiceConversation';

/**
 * Pronunciation from audio only: the learner-only recording Vapi keeps, fetched through its redirect,
 * decoded from 8 kHz μ-law, resampled to 16 kHz, cut at the learner's turns and assessed clip by clip
 * by Azure AI Speech (a local server speaking its REST API); stored with its source. A refusing service,
 * a call with no recording and the built-in engine leave it "not measured" with the reason.
 */
let stack: CoachStack;
let claude: FakeAnthropic;
let azure: FakeAzureSpeech;
beforeAll(async () => {
  claude = await startFakeAnthropic();
  azure = await startFakeAzureSpeech();
  stack = await startCoachStack({ ANTHROPIC_API_KEY: claude.apiKey, ANTHROPIC_BASE_URL: claude.baseUrl, AZURE_SPEECH_KEY: azure.key, AZURE_SPEECH_ENDPOINT: azure.endpoint, PRONUNCIATION_MAX_CLIPS: '5' });
});
afterAll(async () => {
  await stack.close();
  await claude.close();
  await azure.close();
});

const analysisOf = async (browser: import('../helpers/api').Browser, id: string) => (await browser.get(`/api/v1/practice-calls/${id}/analysis`)).body;

test('a recorded call is assessed from the learner-only audio, clip by clip at their turns, and stored with its source', async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  claude.script({ toolInput: VALID });
  const before = azure.clips.length;
  const id = await heldPracticeCall(stack, browser, plan.id, LEARNER_TURNS, { recording: true });
  await recordHistory(stack.services.temporal.workflow.getHandle(`practice-analysis:${id}`), 'practice-analysis-pronunciation');

  // Six learner turns, at most five clips (PRONUNCIATION_MAX_CLIPS): the longest, each a turn with a
  // quarter second either side, unscripted (no reference text), out of 100, prosody asked for en-US.
  const clips = azure.clips.slice(before);
  expect(clips).toHaveLength(5);
  const turnSeconds = conversation(LEARNER_TURNS).filter((l) => l.role === 'user').map((l) => l.seconds + 0.5);
  for (const clip of clips) expect(turnSeconds.some((s) => Math.abs(s - clip.seconds) < 0.01)).toBe(true);
  expect(clips.every((c) => !c.silent && c.language === 'en-US')).toBe(true);
  expect(clips[0]!.assessment).toEqual({ ReferenceText: '', GradingSystem: 'HundredMark', Granularity: 'Word', Dimension: 'Comprehensive', EnableProsodyAssessment: 'True' });

  const analysis = await analysisOf(browser, id);
  expect(analysis.status).toBe('completed');
  expect(analysis.result.pronunciation).toMatchObject({
    measured: true,
    score: 78,
    accuracy: 82,
    fluency: 76,
    prosody: 70,
    clipsAssessed: 5,
    clipsWithoutSpeech: 0,
    meanSnr: 24,
    mispronounced: ['responsibility'],
    source: expect.stringContaining('Azure AI Speech pronunciation assessment (unscripted, en-US'),
    audio: expect.stringContaining('8000 Hz, resampled to 16 kHz'),
  });
  expect(analysis.result.grammar).toMatchObject({ measured: true, score: 71 });
  const row = await stack.services.db('practice_analyses').where({ practice_call_id: id }).first();
  expect(row).toMatchObject({ pronunciation_score: 78, grammar_score: 71 });
  // The progress report's trend carries it.
  const progress = (await browser.get('/api/v1/me/learner/progress')).body;
  expect(progress.scores.find((s: { practiceCallId: string }) => s.practiceCallId === id)).toMatchObject({ pronunciation: 78 });
});

test("the REST page's flat answer is read as well as the SDK's nested one; a silent clip is not scored", async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  azure.shape = 'flat';
  azure.scores = { accuracy: 64, fluency: 58, prosody: 61, pron: 60, snr: 18, mispronounced: ['salary', 'agency'] };
  try {
    claude.script({ toolInput: VALID });
    const id = await heldPracticeCall(stack, browser, plan.id, LEARNER_TURNS, { recording: true });
    expect((await analysisOf(browser, id)).result.pronunciation).toMatchObject({ measured: true, score: 60, accuracy: 64, prosody: 61, mispronounced: ['salary', 'agency'] });
  } finally {
    azure.shape = 'nested';
    azure.scores = { accuracy: 82, fluency: 76, prosody: 70, pron: 78, snr: 24, mispronounced: ['responsibility'] };
  }
});

test('a refusing service, a call with no recording, and a learner who objects: not measured, with the reason; the rest of the analysis stands', async () => {
  const { browser, userId } = await stack.learner({ balanceMinor: 2000 });
  const plan = await stack.plan(browser);

  azure.fail = { count: 1, status: 401 }; // a bad key is refused again: not retried
  claude.script({ toolInput: VALID });
  const refused = await heldPracticeCall(stack, browser, plan.id, LEARNER_TURNS, { recording: true });
  expect(azure.fail.count).toBe(0);
  const a = await analysisOf(browser, refused);
  expect(a).toMatchObject({ status: 'completed', result: { grammar: { measured: true, score: 71 }, pronunciation: { measured: false, reason: expect.stringContaining('Azure AI Speech answered 401') } } });

  azure.fail = { count: 1, status: 503 }; // an outage is retried (five seconds later)
  claude.script({ toolInput: VALID });
  const retried = await heldPracticeCall(stack, browser, plan.id, LEARNER_TURNS, { recording: true });
  expect((await analysisOf(browser, retried)).result.pronunciation).toMatchObject({ measured: true, score: 78 });

  claude.script({ toolInput: VALID });
  const before = azure.clips.length;
  const unrecorded = await heldPracticeCall(stack, browser, plan.id, LEARNER_TURNS);
  expect((await analysisOf(browser, unrecorded)).result.pronunciation).toEqual({ measured: false, reason: 'the voice engine kept no recording of this call to assess' });
  expect(azure.clips.length).toBe(before);

  await stack.services.db('learners').where({ user_id: userId }).update({ objected_at: new Date() });
  const objected = await heldPracticeCall(stack, browser, plan.id, LEARNER_TURNS, { recording: true });
  expect((await analysisOf(browser, objected)).status).toBe('objected');
  expect(azure.clips.length).toBe(before);
}, 120_000);
