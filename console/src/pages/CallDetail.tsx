import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, ok, problem } from '../api/client';
import { Button, Loading, Page, Problem, WorkflowLink } from '../components';
import { useSession } from '../session';
import { useApi } from '../useApi';

/** One call: the transcript as a conversation, what was extracted, the summary. Polled while it is in progress. */
export function CallDetail() {
  const { callId = '' } = useParams();
  // A restricted caller's call is read only by an owner who says it is for a legal claim (audited as such).
  const [forLegalClaim, setForLegalClaim] = useState(false);
  const { data: call, error, reload } = useApi(
    async () => ok(await api.GET('/calls/{callId}', { params: { path: { callId }, query: forLegalClaim ? { purpose: 'legal_claim' } : {} } })),
    [callId, forLegalClaim],
    3000,
  );
  const owner = useSession().session?.organization.role === 'owner';
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
      {owner && !forLegalClaim && error?.includes('legal claim') && (
        <Button variant="plain" onPress={() => setForLegalClaim(true)}>
          Read it for a legal claim (audited)
        </Button>
      )}
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
          {(call.legalHold || owner) && <LegalHold callId={call.id} held={call.legalHold} owner={owner} onChange={reload} />}
          {call.recordings.length > 0 && (
            <>
              <h2>Recording</h2>
              {call.recordings.map((r) =>
                r.deletedAt ? (
                  <p key={r.id}>The recording was deleted on {new Date(r.deletedAt).toLocaleDateString()}.</p>
                ) : (
                  // Streamed by the API from Twilio with the account's credentials; each listening is audited.
                  <audio key={r.id} controls preload="none" src={`/api/v1/calls/${call.id}/recordings/${r.id}/audio`} aria-label={`Recording of the call${r.durationSeconds ? `, ${r.durationSeconds} seconds` : ''}`} />
                ),
              )}
            </>
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

/** An owner keeps one call past retention and erasure (a claim, a request from counsel), saying why. */
function LegalHold({ callId, held, owner, onChange }: { callId: string; held: boolean; owner: boolean; onChange: () => void }) {
  const [error, setError] = useState<string>();
  async function set(event: FormEvent<HTMLFormElement> | null, hold: boolean) {
    event?.preventDefault();
    const reason = event ? String(new FormData(event.currentTarget).get('reason') ?? '') : undefined;
    const { error: failed, response } = await api.PUT('/calls/{callId}/legal-hold', { params: { path: { callId } }, body: { held: hold, reason } });
    setError(response.ok ? undefined : problem(failed));
    onChange();
  }
  return (
    <section aria-label="Legal hold" className="card">
      <Problem message={error} />
      {held ? (
        <p>
          This call is under legal hold: it is kept past retention and caller erasure.{' '}
          {owner && (
            <Button variant="plain" onPress={() => void set(null, false)}>
              Lift the hold
            </Button>
          )}
        </p>
      ) : (
        <form onSubmit={(e) => void set(e, true)} aria-label="Place a legal hold on this call" className="inline-form">
          <div className="field">
            <label htmlFor="call-hold-reason">Keep this call past retention because</label>
            <input id="call-hold-reason" name="reason" required maxLength={500} />
          </div>
          <Button type="submit" variant="plain">
            Place a legal hold
          </Button>
        </form>
      )}
    </section>
  );
}
