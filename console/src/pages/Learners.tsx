import { Link } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem } from '../components';
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
          <thead>
            <tr>
              <th scope="col">Learner</th>
              <th scope="col">Level</th>
              <th scope="col">Calls this week</th>
              <th scope="col">Minutes this week</th>
              <th scope="col">Last call</th>
            </tr>
          </thead>
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
