import { Browser, randomIp, startApi } from '../helpers/api';

/**
 * Product analytics count nothing after the person says no, even a count already on its way: the yes is
 * read under a share lock, so a count and a "no" happen one after the other, never interleaved.
 */
let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

test('a page counted while the person is saying no is refused or deleted with the rest, never kept', async () => {
  const person = new Browser(api.app, randomIp());
  const { user } = await person.signUp();
  expect((await person.put('/api/v1/me/analytics', { choice: 'granted' })).status).toBe(200);
  expect((await person.post('/api/v1/me/analytics/events', { events: [{ kind: 'page', name: '/calls' }] })).status).toBe(204);
  const counts = () => api.services.db('product_analytics').where({ user_id: user.id }).select('name', 'count');
  expect(await counts()).toEqual([{ name: '/calls', count: 1 }]);

  // The "no" as the API makes it, held open: the consent turned off and the counts deleted, not committed yet.
  const no = await api.services.db.transaction();
  await no('analytics_consents').where({ user_id: user.id }).update({ granted: false, decided_at: no.fn.now() });
  await no('product_analytics').where({ user_id: user.id }).delete();
  const late = person.post('/api/v1/me/analytics/events', { events: [{ kind: 'page', name: '/account' }] }).then((r) => r);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the count is at the API, waiting on the "no"
  await no.commit();
  const answer = await late;
  expect([answer.status, answer.body.error?.code]).toEqual([403, 'analytics_not_allowed']);
  expect(await counts()).toEqual([]);
});
