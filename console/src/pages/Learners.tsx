import { Link } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem, TableHead } from '../components';
import { useApi } from '../useApi';

/** Staff's cohort view: every learner's level, who practised this week, their last call. */
export function Learners() {
  const { data, error } = useApi(async () => ok(await api.GET('/coaching/cohort')), []);
  return (
    <Page title="Learners">
      <Problem message={error} />
      {!data ? (
        <Loading what="learners" />
      ) : data.data.length === 0 ? (
        <p>No learners yet: they sign up from your school's sign-up link.</p>
      ) : (
        <table>
          <TableHead columns={['Learner', 'Level', 'Calls this week', 'Minutes this week', 'Last call']} />
          <tbody>
            {data.data.map((l) => (
              <tr key={l.userId}>
                <td>
                  <Link to={`/learners/${l.userId}`}>{l.name}</Link>
                </td>
                <td>{l.level ?? 'not estimated yet'}</td>
                <td>{l.callsThisWeek}</td>
                <td>{l.minutesThisWeek}</td>
                <td>{l.lastCallAt ? new Date(l.lastCallAt).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
