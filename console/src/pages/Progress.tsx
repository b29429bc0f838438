import { useParams } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem, TableHead } from '../components';
import { useApi } from '../useApi';
import { DAYS } from './Plans';

const shown = (v: number | null) => (v === null ? <span className="not-measured">not measured</span> : v);

/**
 * A learner's progress: level, calls, minutes, streak, words, and the two charts the server renders as
 * SVG (ECharts on the server: the same picture as the emails). A learner's own, or (staff) `/learners/:userId`.
 */
export function Progress() {
  const { userId } = useParams();
  const { data: p, error } = useApi(async () => ok(userId ? await api.GET('/learners/{userId}/progress', { params: { path: { userId } } }) : await api.GET('/me/learner/progress')), [userId]);
  return (
    <Page title={userId ? (p ? `${p.name}: progress` : 'Progress') : 'Your progress'}>
      <Problem message={error} />
      {!p ? (
        !error && <Loading what="your progress" />
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>Estimated level</dt>
              <dd>{p.level.current ?? 'not estimated yet'}</dd>
            </div>
            <div>
              <dt>Practice calls</dt>
              <dd>{p.calls}</dd>
            </div>
            <div>
              <dt>Minutes practised</dt>
              <dd>{p.minutesPractised}</dd>
            </div>
            <div>
              <dt>Weekly streak</dt>
              <dd>{p.streakWeeks}</dd>
            </div>
            <div>
              <dt>Words in practice</dt>
              <dd>{p.words.inPractice}</dd>
            </div>
          </dl>
          {/* The SVG is the server's own chart output (numbers and dates), not anyone's text. */}
          <figure className="chart" role="img" aria-label="Scores per call" dangerouslySetInnerHTML={{ __html: p.charts.scores }} />
          <figure className="chart" role="img" aria-label="Estimated level over time" dangerouslySetInnerHTML={{ __html: p.charts.level }} />
          <h2>Scored calls</h2>
          {p.scores.length === 0 ? (
            <p>No scored calls yet: after your first practice call, its scores show here.</p>
          ) : (
            <table>
              <TableHead columns={['Date', 'Grammar', 'Vocabulary', 'Fluency', 'Pronunciation']} />
              <tbody>
                {[...p.scores].reverse().map((s) => (
                  <tr key={s.practiceCallId}>
                    <td>{new Date(s.date).toLocaleDateString()}</td>
                    <td>{shown(s.grammar)}</td>
                    <td>{shown(s.vocabulary)}</td>
                    <td>{shown(s.fluency)}</td>
                    <td>{shown(s.pronunciation)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {userId && <LearnerPlans userId={userId} />}
        </>
      )}
    </Page>
  );
}

/** Staff see when the coach calls the learner, for how long and on what (the learner changes them). */
function LearnerPlans({ userId }: { userId: string }) {
  const plans = useApi(async () => ok(await api.GET('/plans', { params: { query: { userId } } })), [userId]);
  const topics = useApi(async () => ok(await api.GET('/topics', { params: { query: { archived: 'true' } } })), []);
  const title = (id: string) => topics.data?.data.find((t) => t.id === id)?.title ?? 'a topic';
  return (
    <>
      <h2>Call plans</h2>
      <Problem message={plans.error ?? topics.error} />
      {!plans.data ? (
        <Loading what="plans" />
      ) : plans.data.data.length === 0 ? (
        <p>No plan yet: the learner makes their own.</p>
      ) : (
        <ul className="cards" aria-label="Call plans">
          {plans.data.data.map((p) => (
            <li key={p.id} className="card">
              {p.days.map((d) => DAYS[d - 1]).join(', ')} at {p.time} ({p.timeZone}), {p.minutes} minutes · {p.status} · {p.topicIds.map(title).join(', ')}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
