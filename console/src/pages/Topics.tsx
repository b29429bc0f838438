import { useState, type FormEvent } from 'react';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Loading, Page, Problem } from '../components';
import { useApi } from '../useApi';

type Level = components['schemas']['Topic']['minLevel'];
const LEVELS: Level[] = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];
const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** The school's topic catalogue: what learners choose for their plans, and what the coach talks about. */
export function Topics() {
  const topics = useApi(async () => ok(await api.GET('/topics', { params: { query: { archived: 'true' } } })), []);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = {
      title: String(data.get('title')),
      minLevel: String(data.get('minLevel')) as Level,
      maxLevel: String(data.get('maxLevel')) as Level,
      prompts: lines(String(data.get('prompts'))),
      targetWords: String(data.get('targetWords')).split(',').map((w) => w.trim()).filter(Boolean),
    };
    const { data: created, error: failed } = await api.POST('/topics', { body });
    setError(created ? undefined : problem(failed));
    setNotice(created ? `${created.title} is in the catalogue.` : undefined);
    if (created) form.reset();
    topics.reload();
  }
  return (
    <Page title="Topics">
      <Problem message={error ?? topics.error} />
      {notice && <p role="status">{notice}</p>}
      {!topics.data ? (
        <Loading what="topics" />
      ) : topics.data.data.length === 0 ? (
        <p>No topic yet: learners choose from these when they make a plan, so add the first below.</p>
      ) : (
        <ul className="cards" aria-label="Topics">
          {topics.data.data.map((t) => (
            <li key={t.id} className="card">
              <strong>{t.title}</strong> ({t.minLevel}–{t.maxLevel}){t.archived && ' · archived'}
              <br />
              {t.prompts.length} prompt{t.prompts.length === 1 ? '' : 's'}
              {t.targetWords.length > 0 && ` · words: ${t.targetWords.join(', ')}`}
            </li>
          ))}
        </ul>
      )}
      <h2>New topic</h2>
      <form onSubmit={add} aria-label="New topic">
        <div className="field">
          <label htmlFor="topic-title">Title</label>
          <input id="topic-title" name="title" required maxLength={120} />
        </div>
        <div className="inline-form">
          {(['minLevel', 'maxLevel'] as const).map((name, i) => (
            <div className="field" key={name}>
              <label htmlFor={`topic-${name}`}>{i === 0 ? 'From level' : 'To level'}</label>
              <select id={`topic-${name}`} name={name} defaultValue={i === 0 ? 'A2' : 'C1'}>
                {LEVELS.map((l) => (
                  <option key={l}>{l}</option>
                ))}
              </select>
            </div>
          ))}
        </div>
        <div className="field">
          <label htmlFor="topic-prompts">Prompts the coach can use (one per line)</label>
          <textarea id="topic-prompts" name="prompts" rows={4} required />
        </div>
        <div className="field">
          <label htmlFor="topic-words">Words to practise (separated by commas)</label>
          <input id="topic-words" name="targetWords" />
        </div>
        <Button type="submit">Add topic</Button>
      </form>
    </Page>
  );
}
