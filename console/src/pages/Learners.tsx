import { Link } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem, TableHead } from '../components';
import { useApi } from '../useApi';
import { useOutcome } from '../outcome';
import { ReportUnderAge } from '../ReportUnderAge';
import { useSession } from '../session';

/** Staff's cohort view: every learner's level, who practised this week, their last call. */
export function Learners() {
  const { data, error, reload } = useApi(async () => ok(await api.GET('/coaching/cohort')), []);
  const role = useSession().session?.organization.role;
  const admin = role === 'owner' || role === 'admin';
  const outcome = useOutcome();
  return (
    <Page title="Learners">
      <Problem message={error ?? outcome.error} />
      {outcome.notice && <p role="status">{outcome.notice}</p>}
      {!data ? (
        <Loading what="learners" />
      ) : data.data.length === 0 ? (
        <p>No learners yet: they sign up from your school's sign-up link.</p>
      ) : (
        <table>
          <TableHead columns={['Learner', 'Level', 'Calls this week', 'Minutes this week', 'Last call', ...(admin ? [''] : [])]} />
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
                {admin && (
                  <td>
                    <ReportUnderAge userId={l.userId} name={l.name} act={outcome.act} reload={reload} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
