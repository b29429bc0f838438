import { Checkbox } from 'react-aria-components';
import { useSearchParams } from 'react-router';
import { api } from '../api/client';
import { Field, Problem } from '../components';
import { SessionForm } from '../SessionForm';

/** Where an invitation's emailed link leads: a newcomer chooses a name and password; someone with an account confirms theirs. */
export function AcceptInvitation() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  return (
    <main className="narrow">
      <h1>Join your team on Callgenly</h1>
      {!token ? (
        <Problem message="This link has no invitation in it: open the link from the invitation email again." />
      ) : (
        <SessionForm
          label="Accept the invitation"
          submit="Join"
          send={(form) => {
            const name = String(form.get('name') ?? '').trim();
            return api.POST('/invitations/accept', { body: { token, password: String(form.get('password')), ...(name ? { name } : {}), ageConfirmed: form.get('ageConfirmed') === 'yes' } });
          }}
        >
          <p>New to Callgenly? Choose your name and a password. Already have an account? Enter its password.</p>
          <Field label="Your name (new accounts)" name="name" autoComplete="name" isRequired={false} />
          <Field label="Password" name="password" type="password" autoComplete="current-password" />
          {/* Adults only: the organization's minimum age (18, or the higher age it set), which the API checks. */}
          <Checkbox name="ageConfirmed" value="yes" isRequired>
            I am 18 or older, and at least the age this organization asks
          </Checkbox>
        </SessionForm>
      )}
    </main>
  );
}
