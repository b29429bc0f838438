import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Loading, Page, Problem, TableHead, WorkflowLink } from '../components';
import { useSession } from '../session';
import { useOutcome } from '../outcome';
import { useApi } from '../useApi';
import { ProcessingLimits } from './ProcessingLimits';

type DataRequest = components['schemas']['DataRequest'];
const when = (iso: string) => new Date(iso).toLocaleString();
const day = (iso: string) => new Date(iso).toLocaleDateString();

/**
 * What the privacy policy promises, in the owner's hands: how long calls and recordings are kept, HIPAA
 * mode, legal holds, exports, a caller's erasure, restriction and objection, deleting the organization (with
 * its grace period), and the audit log of who did what.
 */
export function Privacy() {
  const { session } = useSession();
  const owner = session?.organization.role === 'owner';
  const org = useApi(async () => ok(await api.GET('/organization')), []);
  const holds = useApi(async () => ok(await api.GET('/legal-holds')), []);
  const { error, notice, say } = useOutcome();
  const [requests, setRequests] = useState<DataRequest[]>([]);

  async function saveRetention(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const { error: failed, response } = await api.PATCH('/organization', { body: { retentionDays: Number(data.get('retentionDays')), recordingRetentionDays: Number(data.get('recordingRetentionDays')) } });
    say(response.ok, 'Retention saved: the next nightly sweep applies it.', failed);
    org.reload();
  }
  async function setHipaa(on: boolean) {
    // Off while it protects calls: the API wants the owner's explicit word (confirmHipaaOff).
    if (!on && !window.confirm('Calls and messages already sealed stay sealed, but new ones will be stored in plaintext. Turn HIPAA mode off?')) return;
    const { error: failed, response } = await api.PATCH('/organization', { body: on ? { hipaaMode: true } : { hipaaMode: false, confirmHipaaOff: true } });
    say(response.ok, on ? 'HIPAA mode is on: from the next call, workflow payloads are sealed with your key.' : 'HIPAA mode is off.', failed);
    org.reload();
  }
  async function acceptBaa(version: string) {
    const { error: failed, response } = await api.POST('/organization/baa', { body: { version } });
    say(response.ok, 'Business Associate Agreement accepted: HIPAA mode can be turned on.', failed);
    org.reload();
  }
  async function hold(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const reason = String(new FormData(form).get('reason') ?? '');
    const { error: failed, response } = await api.PUT('/legal-holds/organization', { body: { held: true, reason } });
    say(response.ok, 'Legal hold placed: nothing is aged out, erased or deleted until it is lifted.', failed);
    if (response.ok) form.reset();
    holds.reload();
  }
  async function lift(result: Promise<{ error?: unknown; response: Response }>) {
    const { error: failed, response } = await result;
    say(response.ok, 'Legal hold lifted.', failed);
    holds.reload();
  }
  async function request(result: Promise<{ data?: DataRequest; error?: unknown }>, done: string) {
    const { data, error: failed } = await result;
    say(Boolean(data), done, failed);
    if (data) setRequests((r) => [data, ...r]);
  }
  async function eraseCaller(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    await request(api.POST('/caller-erasures', { body: { number: String(new FormData(form).get('number')) } }), "The caller's data is being erased; held calls stay.");
    form.reset();
  }

  const o = org.data;
  return (
    <Page title="Privacy">
      <Problem message={error ?? org.error ?? holds.error} />
      {notice && <p role="status">{notice}</p>}

      <h2>How long we keep calls</h2>
      {!o ? (
        <Loading what="retention" />
      ) : (
        <form onSubmit={saveRetention} aria-label="Retention" className="inline-form">
          <div className="field">
            <label htmlFor="retention-days">Calls, transcripts and messages (days)</label>
            <input id="retention-days" name="retentionDays" type="number" min={1} max={3650} defaultValue={o.retentionDays} required />
          </div>
          <div className="field">
            <label htmlFor="recording-days">Recordings (days)</label>
            <input id="recording-days" name="recordingRetentionDays" type="number" min={1} max={3650} defaultValue={o.recordingRetentionDays} required />
          </div>
          <Button type="submit">Save retention</Button>
        </form>
      )}

      <h2>HIPAA mode</h2>
      {o && (
        <>
          <p>
            {o.hipaaMode
              ? 'On: every call’s workflow data is sealed with your organization’s key; only your admins, signed in, read it in the Temporal UI.'
              : 'Off. Turn it on if you handle protected health information: workflow data is then sealed with your organization’s key.'}
          </p>
          {owner && !o.hipaaMode && o.businessAssociateAgreement.acceptedVersion !== o.businessAssociateAgreement.current ? (
            <>
              <p>
                HIPAA mode needs our Business Associate Agreement (version {o.businessAssociateAgreement.current}) accepted first
                {o.businessAssociateAgreement.url && (
                  <>
                    {' '}
                    (
                    <a href={o.businessAssociateAgreement.url} target="_blank" rel="noopener">
                      read it
                    </a>
                    )
                  </>
                )}
                .
              </p>
              <Button onPress={() => void acceptBaa(o.businessAssociateAgreement.current)}>Accept the agreement</Button>
            </>
          ) : (
            owner && (
              <Button variant={o.hipaaMode ? 'plain' : 'primary'} onPress={() => void setHipaa(!o.hipaaMode)}>
                {o.hipaaMode ? 'Turn HIPAA mode off' : 'Turn HIPAA mode on'}
              </Button>
            )
          )}
        </>
      )}

      <h2>Legal holds</h2>
      {!holds.data ? (
        <Loading what="legal holds" />
      ) : (
        <>
          {holds.data.organization.held ? (
            <div className="card">
              The whole organization is under legal hold since {day(holds.data.organization.since!)}: {holds.data.organization.reason}.{' '}
              {owner && (
                <Button variant="plain" onPress={() => void lift(api.PUT('/legal-holds/organization', { body: { held: false } }))}>
                  Lift the hold
                </Button>
              )}
            </div>
          ) : owner ? (
            <form onSubmit={hold} aria-label="Place a legal hold" className="inline-form">
              <div className="field">
                <label htmlFor="hold-reason">Reason for a hold on everything</label>
                <input id="hold-reason" name="reason" required maxLength={500} />
              </div>
              <Button type="submit">Place a legal hold</Button>
            </form>
          ) : (
            <p>No hold on the organization.</p>
          )}
          {holds.data.calls.length === 0 ? (
            <p>No call is under hold (an owner places one from the call&rsquo;s page).</p>
          ) : (
            <ul className="cards" aria-label="Calls under legal hold">
              {holds.data.calls.map((c) => (
                <li key={c.callId} className="card">
                  <Link to={`/calls/${c.callId}`}>Call from {c.from}</Link>, {when(c.startedAt)}: {c.reason}{' '}
                  {owner && (
                    <Button variant="plain" aria-label={`Lift the hold on the call from ${c.from}`} onPress={() => void lift(api.PUT('/calls/{callId}/legal-hold', { params: { path: { callId: c.callId } }, body: { held: false } }))}>
                      Lift
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      <h2>Exports and a caller&rsquo;s data</h2>
      <p>An export is built in the background; the link to download it is emailed to you and works once.</p>
      <div className="actions">
        <Button variant="plain" onPress={() => void request(api.POST('/exports', { body: { scope: 'user' } }), 'Your own data is being exported; the link is emailed to you.')}>
          Export my data
        </Button>
        {owner && (
          <Button variant="plain" onPress={() => void request(api.POST('/exports', { body: { scope: 'organization' } }), "The organization's data is being exported; the link is emailed to you.")}>
            Export the organization
          </Button>
        )}
      </div>
      <form onSubmit={eraseCaller} aria-label="Erase a caller" className="inline-form">
        <div className="field">
          <label htmlFor="erase-number">Erase everything about a caller (their number)</label>
          <input id="erase-number" name="number" type="tel" required />
        </div>
        <Button type="submit" variant="plain">
          Erase the caller
        </Button>
      </form>
      {requests.length > 0 && (
        <ul className="cards" aria-label="Requests made here">
          {requests.map((r) => (
            <RequestStatus key={r.id} request={r} />
          ))}
        </ul>
      )}

      <ProcessingLimits scope="organization" />

      {owner && <Deletion />}
      <AuditLog />
    </Page>
  );
}

/** A request made on this page, looked at again until it is done. */
function RequestStatus({ request }: { request: DataRequest }) {
  const done = (r: DataRequest) => r.status !== 'pending';
  const current = useApi(async () => ok(await api.GET('/data-requests/{requestId}', { params: { path: { requestId: request.id } } })), [request.id], done(request) ? undefined : 2000);
  const r = current.data ?? request;
  return (
    <li className="card">
      {r.kind === 'export' ? `Export (${r.scope})` : 'Caller erasure'}: {r.status}
      {r.completedAt && `, ${when(r.completedAt)}`}
    </li>
  );
}

/** Deleting the organization: a grace period the owners can cancel, then everything erased within 30 days. */
function Deletion() {
  const deletion = useApi(async () => {
    const { data, response } = await api.GET('/organization/deletion');
    return response.status === 404 ? null : ok({ data, response, error: undefined });
  }, []);
  const [error, setError] = useState<string>();
  async function request(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { error: failed, response } = await api.POST('/organization/deletion', { body: { password: String(new FormData(event.currentTarget).get('password')) } });
    setError(response.ok ? undefined : problem(failed));
    deletion.reload();
  }
  async function cancel() {
    const { error: failed, response } = await api.DELETE('/organization/deletion');
    setError(response.ok ? undefined : problem(failed));
    deletion.reload();
  }
  const d = deletion.data;
  return (
    <section aria-labelledby="deletion-title" className="card danger">
      <h2 id="deletion-title">Delete the organization</h2>
      <Problem message={error ?? deletion.error} />
      {d === undefined ? (
        <Loading what="deletion" />
      ) : d && (d.state === 'grace' || d.state === 'erasing') ? (
        <>
          <p>
            Deletion requested on {when(d.requestedAt)}.{' '}
            {d.state === 'grace' ? `Erasure begins ${when(d.erasureAt)} unless you cancel.` : `Erasing now; complete by ${day(d.deadlineAt)}.`}{' '}
            <WorkflowLink url={d.workflowUrl} />
          </p>
          {d.state === 'grace' && <Button onPress={() => void cancel()}>Cancel the deletion</Button>}
        </>
      ) : (
        <form onSubmit={request} aria-label="Delete the organization">
          <p>Everything is erased after a grace period in which any owner can cancel; billing records are kept as the law requires.</p>
          <div className="field">
            <label htmlFor="deletion-password">Your password, to confirm</label>
            <input id="deletion-password" name="password" type="password" autoComplete="current-password" required />
          </div>
          <Button type="submit" variant="plain">
            Delete the organization
          </Button>
        </form>
      )}
    </section>
  );
}

/** Who did what, newest first, a page at a time. */
function AuditLog() {
  const [cursor, setCursor] = useState<string>();
  const page = useApi(async () => ok(await api.GET('/audit-log', { params: { query: { limit: 25, cursor } } })), [cursor]);
  return (
    <>
      <h2>Audit log</h2>
      {!page.data ? (
        <Loading what="the audit log" />
      ) : (
        <>
          <table>
            <TableHead columns={['When', 'What', 'Who', 'On']} />
            <tbody>
              {page.data.data.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.createdAt)}</td>
                  <td>{e.action}</td>
                  <td>{e.actorType === 'user' ? (e.actorId ?? 'someone') : e.actorType.replace('_', ' ')}</td>
                  <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            {cursor && (
              <Button variant="plain" onPress={() => setCursor(undefined)}>
                Newest
              </Button>
            )}
            {page.data.nextCursor && (
              <Button variant="plain" onPress={() => setCursor(page.data!.nextCursor!)}>
                Older
              </Button>
            )}
          </div>
        </>
      )}
    </>
  );
}
