import { useState, type FormEvent } from 'react';
import { api, ok, problem } from '../api/client';
import { Button, Loading, Page, Problem, TableHead } from '../components';
import { useSession } from '../session';
import { useOutcome } from '../outcome';
import { ReportUnderAge } from '../ReportUnderAge';
import { useApi } from '../useApi';

const ROLES = ['member', 'admin', 'owner'] as const;
type StaffRole = (typeof ROLES)[number];
const day = (iso: string) => new Date(iso).toLocaleDateString();
const roleOptions = ROLES.map((r) => (
  <option key={r} value={r}>
    {r}
  </option>
));

/**
 * Who works in the organization: members and their roles, invitations (the link is emailed, and shown once
 * here to pass on), and API keys (the secret shown once, at creation). Admins manage them; only owners
 * touch owners, and the API keeps at least one.
 */
export function Team() {
  const { session } = useSession();
  const members = useApi(async () => ok(await api.GET('/members')), []);
  const invitations = useApi(async () => ok(await api.GET('/invitations')), []);
  const keys = useApi(async () => ok(await api.GET('/api-keys')), []);
  const { error, notice, setError, say, act } = useOutcome();
  const [secret, setSecret] = useState<{ name: string; key: string }>();
  const [invited, setInvited] = useState<{ email: string; url: string | null }>();

  async function invite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const { data: created, error: failed } = await api.POST('/invitations', { body: { email: String(data.get('email')), role: String(data.get('role')) as StaffRole } });
    if (say(Boolean(created), `Invitation sent to ${created?.email}.`, failed) && created) {
      setInvited({ email: created.email, url: created.acceptUrl });
      form.reset();
    }
    invitations.reload();
  }
  async function createKey(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const { data, error: failed } = await api.POST('/api-keys', { body: { name: String(new FormData(form).get('name')) } });
    setError(data ? undefined : problem(failed));
    if (data) {
      setSecret({ name: data.name, key: data.key });
      form.reset();
    }
    keys.reload();
  }

  return (
    <Page title="Team and API keys">
      <Problem message={error ?? members.error ?? invitations.error ?? keys.error} />
      {notice && <p role="status">{notice}</p>}

      <h2>Members</h2>
      {!members.data ? (
        <Loading what="members" />
      ) : (
        <table>
          <TableHead columns={['Name', 'Email', 'Role', '']} />
          <tbody>
            {members.data.data.map((m) => (
              <tr key={m.userId}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>
                  {m.role === 'learner' ? (
                    'learner'
                  ) : (
                    <select
                      aria-label={`Role of ${m.name}`}
                      value={m.role}
                      onChange={(e) => void act(api.PATCH('/members/{userId}', { params: { path: { userId: m.userId } }, body: { role: e.target.value as StaffRole } }), `${m.name} is now ${e.target.value}.`, members.reload)}
                    >
                      {roleOptions}
                    </select>
                  )}
                </td>
                <td>
                  {m.userId !== session?.user.id && m.role !== 'learner' && (
                    <Button variant="plain" aria-label={`Remove ${m.name}`} onPress={() => void act(api.DELETE('/members/{userId}', { params: { path: { userId: m.userId } } }), `${m.name} was removed.`, members.reload)}>
                      Remove
                    </Button>
                  )}
                  {m.userId !== session?.user.id && m.role !== 'owner' && <ReportUnderAge userId={m.userId} name={m.name} act={act} reload={members.reload} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Invitations</h2>
      {invited?.url && (
        <p className="card">
          Also send {invited.email} this link yourself if the email does not arrive (it works once): <code>{invited.url}</code>
        </p>
      )}
      {invitations.data && invitations.data.data.length > 0 && (
        <ul className="cards" aria-label="Open invitations">
          {invitations.data.data.map((i) => (
            <li key={i.id} className="card">
              {i.email} as {i.role}, until {day(i.expiresAt)}{' '}
              <Button variant="plain" aria-label={`Revoke the invitation of ${i.email}`} onPress={() => void act(api.DELETE('/invitations/{invitationId}', { params: { path: { invitationId: i.id } } }), 'Invitation revoked: its link no longer works.', invitations.reload)}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={invite} aria-label="Invite someone" className="inline-form">
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" name="email" type="email" required />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" name="role" defaultValue="member">
            {roleOptions}
          </select>
        </div>
        <Button type="submit">Invite</Button>
      </form>

      <h2>API keys</h2>
      {secret && (
        <div className="card" role="status">
          <p>
            The key &ldquo;{secret.name}&rdquo; (shown this once; store it now):
          </p>
          <code className="secret">{secret.key}</code>
        </div>
      )}
      {!keys.data ? (
        <Loading what="API keys" />
      ) : keys.data.data.filter((k) => !k.revokedAt).length === 0 ? (
        <p>No API key. A key lets a program use the API as an admin of this organization.</p>
      ) : (
        <ul className="cards" aria-label="API keys">
          {keys.data.data
            .filter((k) => !k.revokedAt)
            .map((k) => (
              <li key={k.id} className="card">
                {k.name} ({k.prefix}…), created {day(k.createdAt)}, {k.lastUsedAt ? `last used ${day(k.lastUsedAt)}` : 'never used'}{' '}
                <Button variant="plain" aria-label={`Revoke the key ${k.name}`} onPress={() => void act(api.DELETE('/api-keys/{keyId}', { params: { path: { keyId: k.id } } }), `The key ${k.name} no longer works.`, keys.reload)}>
                  Revoke
                </Button>
              </li>
            ))}
        </ul>
      )}
      <form onSubmit={createKey} aria-label="New API key" className="inline-form">
        <div className="field">
          <label htmlFor="key-name">Name (what uses it)</label>
          <input id="key-name" name="name" required maxLength={100} />
        </div>
        <Button type="submit">Create a key</Button>
      </form>
    </Page>
  );
}
