import { Link } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem, TableHead } from '../components';
import { useApi } from '../useApi';

const STATUS: Record<string, string> = { completed: 'held', refused: 'not placed', no_answer: 'not answered', retry_wait: 'will try again', in_progress: 'in progress' };

/** The learner's practice calls, placed or not, newest first; each held call opens with its feedback. */
export function PracticeCalls() {
  const { data, error } = useApi(async () => ok(await api.GET('/practice-calls')), [], 5000);
  return (
    <Page title="Your practice calls">
      <Problem message={error} />
      {!data ? (
        <Loading what="your calls" />
      ) : data.data.length === 0 ? (
        <p>No calls yet: set a plan, or ask the coach to call you now.</p>
      ) : (
        <table>
          <TableHead columns={['When', 'Call', 'Minutes']} />
          <tbody>
            {data.data.map((c) => (
              <tr key={c.id}>
                <td>{c.status === 'completed' ? <Link to={`/learn/calls/${c.id}`}>{new Date(c.scheduledFor).toLocaleString()}</Link> : new Date(c.scheduledFor).toLocaleString()}</td>
                <td>
                  {STATUS[c.status] ?? c.status.replaceAll('_', ' ')}
                  {c.refusalReason ? ` (${c.refusalReason.replaceAll('_', ' ')})` : ''}
                </td>
                <td>{c.billedMinutes ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
