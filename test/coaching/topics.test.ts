import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';

/** A coaching organization's topic catalogue: admins keep it, learners read it, other organizations see nothing. */
let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi({ AUTH_RATE_LIMIT_PER_IP: '1000', AUTH_RATE_LIMIT_PER_ACCOUNT: '1000' });
});
afterAll(() => api.close());

async function coachingOrganization() {
  const owner = new Browser(api.app, randomIp());
  const res = await owner.post('/api/v1/auth/signup', { ageConfirmed: true, email: uniqueEmail('coach'), password: PASSWORD, name: 'Selin', organization: { name: 'Speak Up English', timeZone: 'Europe/Istanbul', product: 'coach' } });
  owner.remember(res);
  const orgId = res.body.organization.id as string;
  const text = await owner.get(`/api/v1/coaching/organizations/${orgId}/consent-text`);
  const learner = new Browser(api.app, randomIp());
  const signed = await learner.post('/api/v1/coaching/signup', {
    ageConfirmed: true,
    organizationId: orgId,
    email: uniqueEmail('learner'),
    password: PASSWORD,
    name: 'Deniz',
    phone: '+905321234567',
    timeZone: 'Europe/Istanbul',
    nativeLanguage: 'Turkish',
    consent: { agreed: true, version: text.body.version },
  });
  learner.remember(signed);
  return { owner, learner };
}

const travel = { title: 'Travel plans', minLevel: 'A2', maxLevel: 'B2', prompts: ['Where did you go on your last holiday?', 'Plan a weekend trip with me.'], targetWords: ['itinerary', 'departure'] };

test('admins keep the catalogue; learners read the topics in use; archived topics stay for staff', async () => {
  const { owner, learner } = await coachingOrganization();
  const created = await owner.post('/api/v1/topics', travel);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ ...travel, archived: false, id: expect.stringMatching(/^top_/) });
  await owner.post('/api/v1/topics', { title: 'Job interviews', minLevel: 'B1', maxLevel: 'C1', prompts: ['Tell me about yourself.'] });

  expect((await learner.get('/api/v1/topics')).body.data.map((t: { title: string }) => t.title)).toEqual(['Job interviews', 'Travel plans']);
  expect((await learner.get(`/api/v1/topics/${created.body.id}`)).body.title).toBe('Travel plans');
  // Learners and non-admin staff cannot change it.
  expect((await learner.post('/api/v1/topics', travel)).status).toBe(403);
  expect((await learner.patch(`/api/v1/topics/${created.body.id}`, { title: 'Mine now' })).status).toBe(403);

  const changed = await owner.patch(`/api/v1/topics/${created.body.id}`, { maxLevel: 'C1', targetWords: ['itinerary', 'layover'] });
  expect(changed.body).toMatchObject({ minLevel: 'A2', maxLevel: 'C1', targetWords: ['itinerary', 'layover'], prompts: travel.prompts });

  expect((await owner.delete(`/api/v1/topics/${created.body.id}`)).status).toBe(204);
  expect((await learner.get('/api/v1/topics')).body.data.map((t: { title: string }) => t.title)).toEqual(['Job interviews']);
  expect((await learner.get(`/api/v1/topics/${created.body.id}`)).status).toBe(404);
  expect((await learner.get('/api/v1/topics?archived=true')).body.data).toHaveLength(1);
  expect((await owner.get('/api/v1/topics?archived=true')).body.data).toHaveLength(2);
  expect((await owner.delete(`/api/v1/topics/${created.body.id}`)).status).toBe(404);
  expect((await owner.get('/api/v1/audit-log?action=coaching.topic_archived')).body.data).toHaveLength(1);
});

test('bad topics are refused and change nothing; other organizations and receptionists see no topic', async () => {
  const { owner } = await coachingOrganization();
  for (const bad of [
    { ...travel, minLevel: 'C1', maxLevel: 'A2' },
    { ...travel, minLevel: 'D1' },
    { ...travel, prompts: [] },
    { ...travel, title: '' },
    { ...travel, title: 'x'.repeat(121) },
  ]) {
    expect((await owner.post('/api/v1/topics', bad)).status).toBe(400);
  }
  const topic = (await owner.post('/api/v1/topics', travel)).body;
  expect((await owner.patch(`/api/v1/topics/${topic.id}`, { minLevel: 'C2' })).status).toBe(400);
  expect((await owner.get(`/api/v1/topics/${topic.id}`)).body).toMatchObject({ minLevel: 'A2', maxLevel: 'B2' });

  const other = await coachingOrganization();
  expect((await other.owner.get(`/api/v1/topics/${topic.id}`)).status).toBe(404);
  expect((await other.owner.patch(`/api/v1/topics/${topic.id}`, { title: 'Stolen' })).status).toBe(404);
  expect((await other.owner.delete(`/api/v1/topics/${topic.id}`)).status).toBe(404);
  expect((await other.owner.get('/api/v1/topics')).body.data).toEqual([]);

  const clinic = new Browser(api.app, randomIp());
  await clinic.signUp();
  expect((await clinic.get('/api/v1/topics')).status).toBe(404);
  expect((await clinic.post('/api/v1/topics', travel)).status).toBe(404);
});
