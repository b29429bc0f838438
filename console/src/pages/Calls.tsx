import { Link } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem } from '../components';
import { useApi } from '../useApi';

const when = (iso: string) => new Date(iso).toLocaleString();
const duration = (s: number | null) => (s === null ? '—' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);

/** The organization's calls, newest first; polled every few seconds so a new call appears without a reload. */
export function Calls() {
  const { data, error } = useApi(async () => ok(await api.GET('/calls', { params: { query: { limit: 50 } } })), [], 3000);
  return (
    <Page title="Calls">
      <Problem message={error} />
      {!data ? (
        <Loading what="calls" />
      ) : data.data.length === 0 ? (
        <p>No calls yet. When someone calls your number, the call shows here as it happens.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Calls, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">From</th>
              <th scope="col">Status</th>
              <th scope="col">Outcome</th>
              <th scope="col">Length</th>
            </tr>
          </thead>
          <tbody>
            {data.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/calls/${c.id}`}>{when(c.startedAt)}</Link>
                </td>
                <td>{c.from}</td>
                <td>{c.status === 'in_progress' ? 'in progress' : c.status}</td>
                <td>{c.outcome?.replaceAll('_', ' ') ?? '—'}</td>
                <td>{duration(c.durationSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
