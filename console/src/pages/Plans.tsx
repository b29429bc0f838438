import { useState, type FormEvent } from 'react';
import { Checkbox, CheckboxGroup, Form, Label } from 'react-aria-components';
import { api, ok, problem } from '../api/client';
import { Button, Loading, Page, Problem } from '../components';
import { useApi } from '../useApi';

export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** A learner's call plans: when the coach calls, for how long, on which topics; pause, resume, "call me now". */
export function Plans() {
  const plans = useApi(async () => ok(await api.GET('/plans')), []);
  const topics = useApi(async () => ok(await api.GET('/topics')), []);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const title = (id: string) => topics.data?.data.find((t) => t.id === id)?.title ?? 'a topic';

  async function act(result: Promise<{ error?: unknown; response: Response }>, done: string) {
    const { error: failed, response } = await result;
    if (!response.ok) return setError(problem(failed));
    setError(undefined);
    setNotice(done);
    plans.reload();
  }
  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = form.getAll('days').map(Number);
    const topicIds = form.getAll('topics').map(String);
    await act(api.POST('/plans', { body: { days, topicIds, time: String(form.get('time')), minutes: Number(form.get('minutes')) as 10 | 15 | 20 | 30 } }), 'Your plan is set: the coach will call you then.');
  }
  return (
    <Page title="Your call plans">
      <Problem message={error ?? plans.error ?? topics.error} />
      {notice && <p role="status">{notice}</p>}
      {!plans.data ? (
        <Loading what="your plans" />
      ) : plans.data.data.length === 0 ? (
        <p>No plan yet: choose when the coach should call you below.</p>
      ) : (
        <ul className="cards">
          {plans.data.data.map((p) => (
            <li key={p.id} className="card">
              <strong>
                {p.days.map((d) => DAYS[d - 1]).join(', ')} at {p.time}
              </strong>{' '}
              ({p.timeZone}), {p.minutes} minutes · {p.status}
              <br />
              Topics: {p.topicIds.map(title).join(', ')}
              <div className="actions">
                {p.status === 'active' && (
                  <>
                    <Button onPress={() => act(api.POST('/plans/{planId}/call-now', { params: { path: { planId: p.id } } }), 'The coach is calling you now.')}>Call me now</Button>
                    <Button variant="plain" onPress={() => act(api.POST('/plans/{planId}/pause', { params: { path: { planId: p.id } } }), 'Plan paused.')}>
                      Pause
                    </Button>
                  </>
                )}
                {p.status === 'paused' && <Button onPress={() => act(api.POST('/plans/{planId}/resume', { params: { path: { planId: p.id } } }), 'Plan resumed.')}>Resume</Button>}
              </div>
            </li>
          ))}
        </ul>
      )}
      <h2>New plan</h2>
      {!topics.data ? (
        <Loading what="topics" />
      ) : (
        <Form onSubmit={create} aria-label="New plan">
          <CheckboxGroup name="days" isRequired className="choice inline" defaultValue={['1', '3', '5']}>
            <Label>Days</Label>
            {DAYS.map((d, i) => (
              <Checkbox key={d} value={String(i + 1)}>
                {d}
              </Checkbox>
            ))}
          </CheckboxGroup>
          <div className="field">
            <label htmlFor="plan-time">Time (yours)</label>
            <input id="plan-time" name="time" type="time" required defaultValue="18:30" />
          </div>
          <div className="field">
            <label htmlFor="plan-minutes">Minutes per call</label>
            <select id="plan-minutes" name="minutes" defaultValue="15">
              {[10, 15, 20, 30].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </div>
          <CheckboxGroup name="topics" isRequired className="choice" defaultValue={topics.data.data.slice(0, 1).map((t) => t.id)}>
            <Label>Topics (one per call, in turn)</Label>
            {topics.data.data
              .filter((t) => !t.archived)
              .map((t) => (
                <Checkbox key={t.id} value={t.id}>
                  {t.title} ({t.minLevel}–{t.maxLevel})
                </Checkbox>
              ))}
          </CheckboxGroup>
          <Button type="submit">Create plan</Button>
        </Form>
      )}
    </Page>
  );
}
