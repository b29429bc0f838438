import { Link, useParams } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, Page, Problem, WorkflowLink } from '../components';
import { useApi } from '../useApi';

/** One call: the transcript as a conversation, what was extracted, the summary. Polled while it is in progress. */
export function CallDetail() {
  const { callId = '' } = useParams();
  const { data: call, error } = useApi(async () => ok(await api.GET('/calls/{callId}', { params: { path: { callId } } })), [callId], 3000);
  return (
    <Page
      title={call ? `Call from ${call.from}` : 'Call'}
      actions={
        <span className="actions">
          <WorkflowLink url={call?.workflowUrl} />
          <Link to="/calls">All calls</Link>
        </span>
      }
    >
      <Problem message={error} />
      {!call ? (
        !error && <Loading what="the call" />
      ) : (
        <>
          <p>
            {new Date(call.startedAt).toLocaleString()} · {call.status === 'in_progress' ? 'in progress' : call.status}
            {call.outcome ? ` · ${call.outcome.replaceAll('_', ' ')}` : ''}
          </p>
          {call.summary && (
            <>
              <h2>Summary</h2>
              <p>{call.summary}</p>
            </>
          )}
          {call.entities && (
            <dl className="facts">
              {Object.entries(call.entities).map(([k, v]) => (
                <div key={k}>
                  <dt>{k.replace(/([A-Z])/g, ' $1').toLowerCase()}</dt>
                  <dd>{v ?? '—'}</dd>
                </div>
              ))}
            </dl>
          )}
          <h2>Transcript</h2>
          <ol className="conversation" aria-label="Transcript">
            {call.transcript
              .filter((t) => t.role === 'caller' || t.role === 'agent')
              .map((t) => (
                <li key={t.seq} className={t.role}>
                  <span className="speaker">{t.role === 'caller' ? 'Caller' : 'Receptionist'}</span> {t.text}
                </li>
              ))}
          </ol>
        </>
      )}
    </Page>
  );
}
