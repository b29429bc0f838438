import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ok } from '../api/client';
import type { operations } from '../api/schema';
import { Button, Loading, Page, Problem, TableHead } from '../components';
import { useApi } from '../useApi';

const when = (iso: string) => new Date(iso).toLocaleString();
const duration = (s: number | null) => (s === null ? '—' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);

type Query = NonNullable<operations['listCalls']['parameters']['query']>;
const OUTCOMES: NonNullable<Query['outcome']>[] = ['booked', 'rescheduled', 'cancelled', 'message_taken', 'transferred', 'info_only', 'abandoned', 'failed'];
const INTENTS: NonNullable<Query['intent']>[] = ['book_appointment', 'reschedule_appointment', 'cancel_appointment', 'leave_message', 'speak_to_person', 'ask_question', 'other'];
const words = (s: string) => s.replaceAll('_', ' ');
/** A day from a date input as the instant its local midnight is (the browser's zone). */
const startOf = (day: string | null | undefined) => (day ? new Date(`${day}T00:00`).toISOString() : undefined);

/**
 * The organization's calls, newest first, narrowed by date, outcome, intent or number (kept in the address,
 * so a filtered list can be shared); polled every few seconds so a new call appears without a reload.
 */
export function Calls() {
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(['from', 'to', 'outcome', 'intent', 'number'].map((k) => [k, params.get(k)]));
  const query: Query = {
    limit: 50,
    from: startOf(filters.from),
    // The whole of the last day chosen.
    to: filters.to ? new Date(new Date(`${filters.to}T00:00`).getTime() + 86_400_000).toISOString() : undefined,
    outcome: (filters.outcome || undefined) as Query['outcome'],
    intent: (filters.intent || undefined) as Query['intent'],
    number: filters.number || undefined,
  };
  const { data, error } = useApi(async () => ok(await api.GET('/calls', { params: { query } })), [params.toString()], 3000);
  function filter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setParams(new URLSearchParams([...form.entries()].filter(([, v]) => String(v).trim() !== '').map(([k, v]) => [k, String(v).trim()])));
  }
  const filtered = [...params.keys()].length > 0;
  return (
    <Page title="Calls">
      <form onSubmit={filter} aria-label="Filter calls" className="inline-form" key={params.toString()}>
        <div className="field">
          <label htmlFor="calls-from">From</label>
          <input id="calls-from" name="from" type="date" defaultValue={filters.from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="calls-to">To</label>
          <input id="calls-to" name="to" type="date" defaultValue={filters.to ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="calls-outcome">Outcome</label>
          <select id="calls-outcome" name="outcome" defaultValue={filters.outcome ?? ''}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {words(o)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="calls-intent">Caller wanted to</label>
          <select id="calls-intent" name="intent" defaultValue={filters.intent ?? ''}>
            <option value="">anything</option>
            {INTENTS.map((i) => (
              <option key={i} value={i}>
                {words(i)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="calls-number">Number</label>
          <input id="calls-number" name="number" type="tel" defaultValue={filters.number ?? ''} />
        </div>
        <Button type="submit">Filter</Button>
        {filtered && (
          <Button variant="plain" onPress={() => setParams(new URLSearchParams())}>
            Clear
          </Button>
        )}
      </form>
      <Problem message={error} />
      {!data ? (
        <Loading what="calls" />
      ) : data.data.length === 0 ? (
        <p>{filtered ? 'No call matches these filters.' : 'No calls yet. When someone calls your number, the call shows here as it happens.'}</p>
      ) : (
        <table>
          <caption className="visually-hidden">Calls, newest first</caption>
          <TableHead columns={['Started', 'From', 'Status', 'Outcome', 'Caller wanted to', 'Length']} />
          <tbody>
            {data.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/calls/${c.id}`}>{when(c.startedAt)}</Link>
                </td>
                <td>{c.from}</td>
                <td>
                  {c.status === 'in_progress' ? 'in progress' : c.status}
                  {c.trial && ' (trial)'}
                </td>
                <td>{c.outcome?.replaceAll('_', ' ') ?? '—'}</td>
                <td>{c.intents.map(words).join(', ') || '—'}</td>
                <td>{duration(c.durationSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
