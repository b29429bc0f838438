import { Link } from 'react-router';
import { api } from '../api/client';
import { Field } from '../components';
import { SessionForm } from '../SessionForm';
import { useApi } from '../useApi';

/** Single sign-on starts at the API, which sends the browser to the provider and, signed in, back here. */
export function SsoButtons({ product, ageConfirmed }: { product?: 'receptionist' | 'coach'; ageConfirmed?: boolean }) {
  const methods = useApi(async () => (await api.GET('/auth/methods')).data, []).data;
  // A first sign-in creates the account: only from the sign-up page, once the person confirmed their age.
  const query = new URLSearchParams({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, ...(product ? { product } : {}), ...(ageConfirmed ? { ageConfirmed: 'true' } : {}) });
  if (!methods?.google && !methods?.microsoft) return null;
  return (
    <div className="actions sso">
      {methods.google && (
        <a className="button plain" href={`/api/v1/auth/sso/google/start?${query}`}>
          Continue with Google
        </a>
      )}
      {methods.microsoft && (
        <a className="button plain" href={`/api/v1/auth/sso/microsoft/start?${query}`}>
          Continue with Microsoft
        </a>
      )}
    </div>
  );
}

export function SignIn() {
  return (
    <main className="narrow">
      <h1>Sign in to Callgenly</h1>
      <SessionForm label="Sign in" submit="Sign in" send={(form) => api.POST('/auth/signin', { body: { email: String(form.get('email')), password: String(form.get('password')) } })}>
        <Field label="Email" name="email" type="email" autoComplete="email" />
        <Field label="Password" name="password" type="password" autoComplete="current-password" />
      </SessionForm>
      <SsoButtons />
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </main>
  );
}
