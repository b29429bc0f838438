import { useState, type FormEvent } from 'react';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Field, Loading, Page, Problem, TableHead } from '../components';
import { useAnalytics } from '../Layout';
import { useSession } from '../session';
import { useOutcome } from '../outcome';
import { useApi } from '../useApi';
import { ProcessingLimits } from './ProcessingLimits';

type Preference = components['schemas']['NotificationPreference'];
const kindName = (kind: string) => kind.replace(/^[a-z]+\./, '').replaceAll('_', ' ');

/** The person's own settings: which organization, password, what they are told and how, product analytics. */
export function Account() {
  const { session, signedIn } = useSession();
  const analytics = useAnalytics();
  const { error, notice, say } = useOutcome();
  if (!session) return null;

  async function switchTo(organizationId: string) {
    const { data, error: failed } = await api.POST('/auth/switch-organization', { body: { organizationId } });
    if (data) signedIn(data);
    say(Boolean(data), `You are now in ${data?.organization.name}.`, failed);
  }
  async function changePassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const { error: failed, response } = await api.POST('/auth/password', { body: { currentPassword: String(data.get('currentPassword')), newPassword: String(data.get('newPassword')) } });
    say(response.ok, 'Password changed; your other sessions were signed out.', failed);
    if (response.ok) form.reset();
  }

  return (
    <Page title="Your account">
      <Problem message={error} />
      {notice && <p role="status">{notice}</p>}
      <p>
        {session.user.name} · {session.user.email}
      </p>

      {session.organizations.length > 1 && (
        <>
          <h2>Organization</h2>
          <div className="field">
            <label htmlFor="org-switch">Work in</label>
            <select id="org-switch" value={session.organization.id} onChange={(e) => void switchTo(e.target.value)}>
              {session.organizations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name} ({o.role})
                </option>
              ))}
            </select>
          </div>
        </>
      )}

      {session.organization.role === 'learner' && <LearnerConsent organizationId={session.organization.id} />}

      <h2>Password</h2>
      <form onSubmit={changePassword} aria-label="Change password">
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" />
        <Field label="New password (at least 12 characters)" name="newPassword" type="password" autoComplete="new-password" minLength={12} />
        <Button type="submit">Change password</Button>
      </form>

      <h2>Notices</h2>
      <NotificationPreferences onSaved={(ok, failed) => say(ok, 'Notice preferences saved.', failed)} />

      <h2>Product analytics</h2>
      <p>
        {analytics.choice === 'granted'
          ? 'You allow us to count which pages and features you use (kept in our own database, never shared).'
          : analytics.choice === 'declined'
            ? 'You do not allow analytics: nothing about your use is counted.'
            : 'You have not chosen yet: nothing is counted until you allow it.'}
      </p>
      <Problem message={analytics.error} />
      <div className="actions">
        {analytics.choice !== 'granted' && <Button onPress={() => void analytics.choose('granted')}>Allow analytics</Button>}
        {analytics.choice !== 'declined' && (
          <Button variant="plain" onPress={() => void analytics.choose('declined')}>
            {analytics.choice === 'granted' ? 'Stop analytics and delete the counts' : 'No thanks'}
          </Button>
        )}
      </div>
      {/* A learner's rights are the coaching service's own (consent, objection to analysis, closing). */}
      {session.organization.role !== 'learner' && <ProcessingLimits scope="own" />}
    </Page>
  );
}

/** Each kind of notice by email and by text; security and legal ones are always emailed. */
function NotificationPreferences({ onSaved }: { onSaved: (ok: boolean, failed?: unknown) => void }) {
  const loaded = useApi(async () => ok(await api.GET('/me/notification-preferences')), []);
  const [edits, setEdits] = useState<Record<string, Preference>>({});
  if (loaded.error) return <Problem message={loaded.error} />;
  if (!loaded.data) return <Loading what="your notice preferences" />;
  const rows = loaded.data.preferences.map((p) => edits[p.kind] ?? p);
  const set = (p: Preference, channel: 'email' | 'sms', value: boolean) => setEdits({ ...edits, [p.kind]: { ...p, [channel]: value } });
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { error: failed, response } = await api.PUT('/me/notification-preferences', { body: { preferences: rows.filter((p) => !p.mandatory).map(({ kind, email, sms }) => ({ kind, email, sms })) } });
    onSaved(response.ok, failed);
    if (response.ok) loaded.reload();
  }
  return (
    <form onSubmit={save} aria-label="Notice preferences">
      <table>
        <TableHead columns={['Notice', 'Email', 'Text']} />
        <tbody>
          {rows.map((p) => (
            <tr key={p.kind}>
              <th scope="row">{kindName(p.kind)}</th>
              <td>
                <input type="checkbox" aria-label={`${kindName(p.kind)} by email`} checked={p.email} disabled={p.mandatory} onChange={(e) => set(p, 'email', e.target.checked)} />
              </td>
              <td>
                <input type="checkbox" aria-label={`${kindName(p.kind)} by text`} checked={p.sms} disabled={p.mandatory} onChange={(e) => set(p, 'sms', e.target.checked)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Button type="submit">Save notice preferences</Button>
    </form>
  );
}

/** A learner's consent to be called: given with the school's own words, withdrawn with one press (every plan pauses). */
function LearnerConsent({ organizationId }: { organizationId: string }) {
  const me = useApi(async () => ok(await api.GET('/me/learner')), []);
  const words = useApi(async () => ok(await api.GET('/coaching/organizations/{organizationId}/consent-text', { params: { path: { organizationId } } })), [organizationId]);
  const [error, setError] = useState<string>();
  async function act(result: Promise<{ error?: unknown; response: Response }>) {
    const { error: failed, response } = await result;
    setError(response.ok ? undefined : problem(failed));
    me.reload();
  }
  const consent = me.data?.consent;
  return (
    <>
      <h2>Calls from your coach</h2>
      <Problem message={error ?? me.error ?? words.error} />
      {!consent ? (
        <Loading what="your consent" />
      ) : consent.status === 'granted' ? (
        <>
          <p>
            You agreed on {new Date(consent.grantedAt!).toLocaleDateString()} to be called at {consent.phone}. Withdrawing pauses every plan; no call is placed until you agree again.
          </p>
          <Button variant="plain" onPress={() => void act(api.DELETE('/me/learner/consent'))}>
            Withdraw my consent
          </Button>
        </>
      ) : (
        <>
          <p>You have not agreed to be called, so the coach does not call you.</p>
          {words.data && <blockquote>{words.data.text}</blockquote>}
          {words.data && <Button onPress={() => void act(api.POST('/me/learner/consent', { body: { version: words.data!.version } }))}>I agree to be called</Button>}
        </>
      )}
    </>
  );
}
