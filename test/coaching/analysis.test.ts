import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic';
import { startCoachStack, type CoachStack } from '../helpers/coachStack';
import { Browser, randomIp } from '../helpers/api';
import { recordHistory } from '../helpers/histories';
import { heldPracticeCall, LEARNER_TURNS, VALID, words } from '../helpers/practiceConversation';

/**
 * Each finished practice call analysed by Claude (the real `@anthropic-ai/sdk` against a local server
 * speaking Anthropic's Messages API): a validated analysis with quoted mistakes and corrections, scores
 * made by stated rules, what cannot be measured shown as not measured; an invalid answer sent back with
 * what was wrong; a failing model marks the analysis failed and the call stays; a re-run from the API.
 */
let stack: CoachStack;
let claude: FakeAnthropic;
beforeAll(async () => {
  claude = await startFakeAnthropic();
  stack = await startCoachStack({ ANTHROPIC_API_KEY: claude.apiKey, ANTHROPIC_BASE_URL: claude.baseUrl, ANALYSIS_MODEL: 'claude-test-model' });
});
afterAll(async () => {
  await stack.close();
  await claude.close();
});

const practiceCall = (browser: Browser, planId: string, turns: string[], options: { timings?: boolean } = {}) => heldPracticeCall(stack, browser, planId, turns, options);

test('a practice conversation is analysed: quoted mistakes with corrections and rules, scores by stated rules, pronunciation not measured', async () => {
  expect(words).toBeGreaterThanOrEqual(75);
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  const requestsBefore = claude.requests.length;
  claude.script({ toolInput: VALID });
  const id = await practiceCall(browser, plan.id, LEARNER_TURNS);

  // What Claude was asked: a forced tool with our schema, the learner's side marked, the model from config.
  const asked = claude.requests[requestsBefore]!;
  expect(asked.model).toBe('claude-test-model');
  expect(asked.tools?.[0]?.name).toBe('record_assessment');
  expect(asked.tool_choice).toMatchObject({ type: 'tool', name: 'record_assessment' });
  expect(asked.system).toContain('native language is Turkish');
  expect(JSON.stringify(asked.messages)).toContain('LEARNER: Yesterday I go to the interview');

  await recordHistory(stack.services.temporal.workflow.getHandle(`practice-analysis:${id}`), 'practice-analysis-completed');
  const analysis = await browser.get(`/api/v1/practice-calls/${id}/analysis`);
  expect(analysis.status).toBe(200);
  expect(analysis.body).toMatchObject({ status: 'completed', model: 'claude-test-model', promptVersion: expect.stringMatching(/^coach-assessment-/) });
  const r = analysis.body.result;
  expect(r.learnerWords).toBe(words);
  expect(r.grammar).toMatchObject({ measured: true, clauses: 14, errorsPerClause: 0.14, score: 71, mistakes: VALID.grammar.mistakes });
  expect(r.vocabulary).toMatchObject({ measured: true, newWords: ['challenges', 'patiently'], cefrProfile: { measured: false } });
  expect(r.vocabulary.score).toBe(Math.round(r.vocabulary.lexicalDiversity * 100));
  expect(r.fluency).toMatchObject({ measured: true });
  expect(r.fluency.wordsPerMinute).toBeGreaterThan(100);
  expect(r.fluency.wordsPerMinute).toBeLessThan(160);
  expect(r.fluency.meanResponsePauseSeconds).toBe(1);
  expect(r.pronunciation).toEqual({ measured: false, reason: expect.stringContaining('only from audio') });
  expect(r.cefr).toMatchObject({ measured: true, band: 'B1', estimate: expect.stringContaining('not a certified level') });
  // Stored encrypted; the numbers beside it for trends.
  const row = await stack.services.db('practice_analyses').where({ practice_call_id: id }).first();
  expect(row).toMatchObject({ status: 'completed', grammar_score: 71, pronunciation_score: null, cefr_band: 'B1', learner_words: words });
  expect(row.result_ciphertext.toString('utf8')).not.toContain('interview');

  // The learner's own export carries the analysis, readable.
  const { REGISTRY } = await import('../../src/domains');
  const { buildArchive } = await import('../../src/privacy/archive');
  const { unzipSync, strFromU8 } = await import('fflate');
  const userId = (await browser.get('/api/v1/me/learner')).body.userId;
  const files = unzipSync((await buildArchive(REGISTRY.exports, stack.services.db, stack.services.fields, stack.orgId, { scope: 'user', userId })).zip);
  expect(JSON.parse(strFromU8(files['practice_analyses.json']!))).toEqual([expect.objectContaining({ practice_call_id: id, status: 'completed', result: expect.objectContaining({ grammar: expect.objectContaining({ mistakes: VALID.grammar.mistakes }) }) })]);
});

test('an invalid answer goes back to the model with what was wrong; a short call gets feedback and no scores; no timings, no fluency', async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  const before = claude.requests.length;
  claude.script({ toolInput: { ...VALID, grammar: { clauses: -3, mistakes: 'many' } } }, { toolInput: VALID });
  const id = await practiceCall(browser, plan.id, LEARNER_TURNS, { timings: false });
  expect(claude.requests.length - before).toBe(2);
  expect(JSON.stringify(claude.requests[before + 1]!.messages)).toContain('Your previous answer was invalid: grammar.clauses');
  const r = (await browser.get(`/api/v1/practice-calls/${id}/analysis`)).body.result;
  expect(r.grammar.measured).toBe(true);
  expect(r.fluency).toEqual({ measured: false, reason: expect.stringContaining('no timings') });

  claude.script({ toolInput: VALID });
  const short = await practiceCall(browser, plan.id, ['I am fine, thank you.', 'Yes, I like my job very much.']);
  const shortAnalysis = (await browser.get(`/api/v1/practice-calls/${short}/analysis`)).body;
  expect(shortAnalysis.status).toBe('insufficient');
  expect(shortAnalysis.result).toMatchObject({ scored: false, notScoredBecause: expect.stringContaining('at least 75'), feedback: VALID.feedback });
  for (const dimension of ['grammar', 'vocabulary', 'fluency', 'cefr']) expect(shortAnalysis.result[dimension].measured).toBe(false);
});

test('a failing model marks the analysis failed, the call stays; an admin re-runs it', async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  claude.script({ status: 400, type: 'invalid_request_error', message: 'prompt is too long' });
  const id = await practiceCall(browser, plan.id, LEARNER_TURNS);
  await recordHistory(stack.services.temporal.workflow.getHandle(`practice-analysis:${id}`), 'practice-analysis-failed');
  const failed = (await browser.get(`/api/v1/practice-calls/${id}/analysis`)).body;
  expect(failed).toMatchObject({ status: 'failed', result: null, error: expect.stringContaining('prompt is too long') });
  expect((await browser.get(`/api/v1/practice-calls/${id}`)).body).toMatchObject({ status: 'completed', transcript: expect.any(Array) });

  expect((await browser.post(`/api/v1/practice-calls/${id}/analysis`)).status).toBe(403);
  claude.script({ toolInput: VALID });
  const rerun = await stack.owner.post(`/api/v1/practice-calls/${id}/analysis`);
  expect(rerun.status).toBe(202);
  await stack.services.temporal.workflow.getHandle(rerun.body.workflowId).result();
  expect((await browser.get(`/api/v1/practice-calls/${id}/analysis`)).body).toMatchObject({ status: 'completed', error: null });
  // Nobody else's analysis.
  const other = await stack.learner();
  expect((await other.browser.get(`/api/v1/practice-calls/${id}/analysis`)).status).toBe(404);
});

test('the level moves with evidence: nothing before three scored calls, one outlying call moves nothing, a run of calls does; contesting and review', async () => {
  const { browser } = await stack.learner({ balanceMinor: 5000 });
  const plan = await stack.plan(browser);
  const levels: Array<string | null> = [];
  const ids: string[] = [];
  for (const band of ['B1', 'B1', 'C2', 'B1', 'B2', 'B2', 'B2']) {
    claude.script({ toolInput: { ...VALID, cefr: { ...VALID.cefr, band } } });
    ids.push(await practiceCall(browser, plan.id, LEARNER_TURNS));
    levels.push((await browser.get('/api/v1/me/learner/level')).body.level);
  }
  // Median of the last five: the C2 call alone never shows; two B2 calls with it do (B1 B1 B2 B2 C2).
  expect(new Set(ids).size).toBe(7);
  expect(levels).toEqual([null, null, 'B1', 'B1', 'B1', 'B2', 'B2']);
  const level = (await browser.get('/api/v1/me/learner/level')).body;
  expect(level).toMatchObject({ level: 'B2', callsCounted: 5 });
  expect(level.confidence).toBeGreaterThan(0);
  expect(level.confidence).toBeLessThan(1); // the C2 call is still in the window: spread lowers it
  expect(level.history.map((h: { level: string }) => h.level)).toEqual(['B1', 'B2']);

  // The learner contests the last two calls' scores: out of the estimate until reviewed (B1 B1 B1 B2 C2 now).
  const [sixth, seventh] = ids.slice(5);
  for (const id of [seventh!, sixth!]) expect((await browser.post(`/api/v1/practice-calls/${id}/analysis/contest`, { reason: 'The recogniser misheard me.' })).status).toBe(204);
  expect((await browser.get('/api/v1/me/learner/level')).body).toMatchObject({ level: 'B1', callsCounted: 5 });
  expect((await browser.post(`/api/v1/practice-calls/${seventh}/analysis/contest`, { reason: 'again' })).status).toBe(409);
  expect((await browser.post(`/api/v1/practice-calls/${seventh}/analysis/review`, { decision: 'scores_stand', note: 'x' })).status).toBe(403);
  // Staff listen and find the transcript right: the seventh call's scores stand and count again.
  expect((await stack.owner.post(`/api/v1/practice-calls/${seventh}/analysis/review`, { decision: 'scores_stand', note: 'Listened to the recording: the transcript is right.' })).status).toBe(204);
  expect((await stack.owner.post(`/api/v1/practice-calls/${seventh}/analysis/review`, { decision: 'scores_stand', note: 'twice' })).status).toBe(409);
  const after = (await stack.owner.get(`/api/v1/learners/${(await browser.get('/api/v1/me/learner')).body.userId}/level`)).body;
  expect(after.level).toBe('B2');
  expect(after.history.map((h: { level: string; reason: string }) => [h.level, h.reason])).toEqual([
    ['B1', expect.stringContaining('analysed')],
    ['B2', expect.stringContaining('analysed')],
    ['B1', expect.stringContaining('contested')],
    ['B2', expect.stringContaining('reviewed: scores_stand')],
  ]);
  const last = seventh!;
  const audited = await stack.services.db('audit_log').where({ org_id: stack.orgId, action: 'coaching.analysis_reviewed', target_id: last }).first();
  expect(audited.metadata).toEqual({ decision: 'scores_stand' });

  // The progress report: seven calls, the sixth's scores not shown while contested, charts as SVG.
  const progress = (await browser.get('/api/v1/me/learner/progress')).body;
  expect(progress).toMatchObject({ calls: 7, practisedThisWeek: true, level: { current: 'B2' } });
  expect(progress.streakWeeks).toBeGreaterThanOrEqual(1);
  expect(progress.minutesPractised).toBeGreaterThan(0);
  expect(progress.topicsCovered.sort()).toEqual(['Job interviews', 'Travel']);
  expect(progress.scores).toHaveLength(6);
  expect(progress.scores.map((p: { practiceCallId: string }) => p.practiceCallId)).not.toContain(sixth);
  expect(progress.scores[0]).toMatchObject({ grammar: 71, pronunciation: null, cefrBand: 'B1' });
  for (const chart of [progress.charts.scores, progress.charts.level]) {
    expect(chart).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(chart).not.toContain('@keyframes');
  }
  expect(progress.charts.scores).toContain('grammar');
  const staffView = (await stack.owner.get(`/api/v1/learners/${progress.userId}/progress`)).body;
  expect(staffView.calls).toBe(7);
  // The same report as a page, for the learner and staff: the figures, both charts inline, names escaped.
  for (const page of [await browser.get('/api/v1/me/learner/progress/page'), await stack.owner.get(`/api/v1/learners/${progress.userId}/progress/page`)]) {
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text.match(/<svg/g)).toHaveLength(2);
    expect(page.text).toContain('<dt>Estimated level</dt><dd>B2');
    expect(page.text).toContain('<dt>Practice calls</dt><dd>7</dd>');
    expect(page.text).toContain('<span class="nm">not measured</span>'); // pronunciation, with no service
    expect(page.text).not.toContain('<script');
  }
  const cohort = (await stack.owner.get('/api/v1/coaching/cohort')).body.data;
  expect(cohort.find((c: { userId: string }) => c.userId === progress.userId)).toMatchObject({ level: 'B2', callsThisWeek: 7 });
  const other = await stack.learner();
  expect((await other.browser.get(`/api/v1/learners/${progress.userId}/progress`)).status).toBe(403);
  expect((await other.browser.get(`/api/v1/learners/${progress.userId}/progress/page`)).status).toBe(403);
  const elsewhere = new Browser(stack.app, randomIp());
  await elsewhere.signUp();
  expect((await elsewhere.get(`/api/v1/learners/${progress.userId}/progress/page`)).status).toBe(404);
  expect((await other.browser.get('/api/v1/me/learner/progress')).body.calls).toBe(0);
});

test('a learner who objects gets calls with no analysis: nothing is sent to the model', async () => {
  const { browser } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  expect((await browser.post('/api/v1/me/learner/objection')).status).toBe(204);
  const before = claude.requests.length;
  const id = await practiceCall(browser, plan.id, LEARNER_TURNS);
  expect(claude.requests.length).toBe(before);
  expect((await browser.get(`/api/v1/practice-calls/${id}/analysis`)).body).toMatchObject({ status: 'objected', result: null });
  expect((await browser.get(`/api/v1/practice-calls/${id}`)).body.status).toBe('completed');
  const audit = await stack.services.db('audit_log').where({ org_id: stack.orgId, action: 'coaching.objection_recorded' }).first();
  expect(audit).toBeTruthy();
});

test("practice closes the loop: new words go on a spaced-repetition schedule, due words and recurring mistakes reach the next call's coach", async () => {
  const { browser, userId } = await stack.learner({ balanceMinor: 5000 });
  const plan = await stack.plan(browser);
  claude.script({ toolInput: { ...VALID, vocabulary: { newWords: ['challenges', 'patiently'], misused: [{ quote: 'I am very boring in meetings', better: 'bored', why: 'bored describes how you feel' }] } } });
  await practiceCall(browser, plan.id, LEARNER_TURNS);
  const words = await stack.services.db('learner_words').where({ org_id: stack.orgId, user_id: userId }).orderBy('word');
  expect(words.map((w) => [w.word, w.source])).toEqual([['bored', 'misused'], ['challenges', 'new'], ['patiently', 'new']]);
  // FSRS: a new word used well is next due within minutes (a learning step), not now.
  for (const w of words) expect(new Date(w.due_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  // Re-running the analysis grades nothing twice.
  const reviews = await stack.services.db('learner_word_reviews').where({ org_id: stack.orgId, user_id: userId }).count({ n: '*' }).first();
  expect(Number(reviews!.n)).toBe(3);

  // Time passes (the schedule's due dates moved back); a second call repeats the same kind of mistake.
  await stack.services.db('learner_words').where({ org_id: stack.orgId, user_id: userId }).update({ due_at: new Date(Date.now() - 3_600_000) });
  claude.script({ toolInput: VALID });
  const before = stack.vapi.calls.length;
  await practiceCall(browser, plan.id, [...LEARNER_TURNS, 'I think these challenges make me stronger.']);
  const secondPrompt = (stack.vapi.calls[before]!.request.assistant as { model: { messages: Array<{ content: string }> } }).model.messages[0]!.content;
  expect(secondPrompt).toContain('Words the learner is reviewing: ');
  for (const word of ['bored', 'challenges', 'patiently']) expect(secondPrompt).toContain(word);
  // The learner used "challenges" and "patiently" again: reviewed, due later; "bored" is still due.
  const after = await stack.services.db('learner_words').where({ org_id: stack.orgId, user_id: userId }).orderBy('word');
  expect(after.find((w) => w.word === 'bored')!.due_at.getTime()).toBeLessThan(Date.now());
  expect(after.find((w) => w.word === 'challenges')!.due_at.getTime()).toBeGreaterThan(Date.now());

  // The third call's coach hears of the mistakes seen in both calls.
  claude.script({ toolInput: VALID });
  const third = stack.vapi.calls.length;
  await practiceCall(browser, plan.id, LEARNER_TURNS);
  const thirdPrompt = (stack.vapi.calls[third]!.request.assistant as { model: { messages: Array<{ content: string }> } }).model.messages[0]!.content;
  expect(thirdPrompt).toContain('Mistakes that keep coming back:');
  expect(thirdPrompt).toContain('- past simple: Finished past events take the past simple.');
  expect(thirdPrompt).toContain('- present perfect:');
  expect(thirdPrompt).toContain('bored');
});

test('the weekly progress email: one per learner with a plan and per week, from the schedule every plan writes', async () => {
  const { browser, userId } = await stack.learner({ balanceMinor: 1000 });
  await stack.plan(browser);
  const schedule = await stack.services.temporal.schedule.getHandle(`coach-progress:${stack.orgId}`).describe();
  expect(schedule.action).toMatchObject({ workflowType: 'weeklyProgressWorkflow' });
  const run = async () => {
    const handle = await stack.services.temporal.workflow.start('weeklyProgressWorkflow', { workflowId: `coach-progress:${stack.orgId}-${new Date().toISOString()}`, taskQueue: stack.services.config.temporal.taskQueue, args: [{ orgId: stack.orgId }] });
    return handle.result();
  };
  await run();
  await run(); // the same week again: nothing more
  const notices = await stack.services.db('notifications').where({ org_id: stack.orgId, user_id: userId, kind: 'coaching.weekly_progress' });
  expect(notices).toHaveLength(1);
  expect(notices[0].payload).toMatchObject({ callsThisWeek: 0, level: null, progressUrl: `${stack.publicBaseUrl}/api/v1/me/learner/progress/page` });
});

test('a closed account is restricted at once, then erased after its period, keeping only payment records and consent evidence', async () => {
  const { browser, userId } = await stack.learner({ balanceMinor: 1000 });
  const plan = await stack.plan(browser);
  claude.script({ toolInput: VALID });
  const id = await practiceCall(browser, plan.id, LEARNER_TURNS);
  const pc = await stack.services.db('practice_calls').where({ id }).first();
  await stack.services.db('practice_calls').where({ id }).update({ recording_ref: pc.provider_call_id });

  expect((await browser.post('/api/v1/me/learner/close')).status).toBe(204);
  // Restricted: no plan, no schedule, no consent, no processing; no new plan.
  expect((await browser.get(`/api/v1/plans/${plan.id}`)).body.status).toBe('ended');
  await expect(stack.services.temporal.schedule.getHandle(`coach-plan:${plan.id}`).describe()).rejects.toThrow();
  const me = (await browser.get('/api/v1/me/learner')).body;
  expect(me.consent.status).toBe('none');
  expect((await browser.post('/api/v1/plans', { days: [1], time: '09:00', minutes: 10, topicIds: stack.topics })).body.error.code).toBe('account_closed');
  expect((await stack.services.db('learners').where({ user_id: userId }).first()).objected_at).not.toBeNull();

  // Two years on, the sweep's step erases it.
  const { eraseClosedLearners } = await import('../../src/coaching/closure');
  const { vapiClientOf } = await import('../../src/coaching/engineRecordings');
  await stack.services.db('learners').where({ user_id: userId }).update({ closed_at: new Date(Date.now() - 731 * 86_400_000) });
  const cutoff = new Date(Date.now() - 730 * 86_400_000);
  expect(await eraseClosedLearners({ db: stack.services.db, vapi: vapiClientOf(stack.services.config) }, stack.orgId, cutoff)).toBe(1);
  expect(stack.vapi.calls.find((c) => c.id === pc.provider_call_id)?.deleted).toBe(true);
  for (const table of ['learners', 'coach_plans', 'practice_calls', 'learner_words', 'learner_level_history']) expect([table, await stack.services.db(table).where({ user_id: userId }).first()]).toEqual([table, undefined]);
  expect(await stack.services.db('calls').where({ id: pc.call_id }).first()).toBeUndefined();
  expect(await stack.services.db('transcript_turns').where({ call_id: pc.call_id }).first()).toBeUndefined();
  expect(await stack.services.db('practice_analyses').where({ practice_call_id: id }).first()).toBeUndefined();
  expect(await stack.services.db('users').where({ id: userId }).first()).toBeUndefined();
  // Kept: payment records (ten years) and the evidence of consent and its withdrawal.
  expect((await stack.services.db('balance_ledger').where({ user_id: userId })).map((r) => r.kind).sort()).toEqual(['call_debit', 'top_up']);
  expect(await stack.services.db('coach_consents').where({ user_id: userId }).first()).toMatchObject({ withdrawn_via: 'api' });
  expect(await eraseClosedLearners({ db: stack.services.db, vapi: vapiClientOf(stack.services.config) }, stack.orgId, cutoff)).toBe(0);
});
