import { Link } from 'react-router';
import { api } from '../api/client';
import { Field } from '../components';
import { SessionForm } from '../SessionForm';

export function SignIn() {
  return (
    <main className="narrow">
      <h1>Sign in to Callgenly</h1>
      <SessionForm label="Sign in" submit="Sign in" send={(form) => api.POST('/auth/signin', { body: { email: String(form.get('email')), password: String(form.get('password')) } })}>
        <Field label="Email" name="email" type="email" autoComplete="email" />
        <Field label="Password" name="password" type="password" autoComplete="current-password" />
      </SessionForm>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </main>
  );
}
