import { useState } from 'react';
import { Checkbox, Label, Radio, RadioGroup } from 'react-aria-components';
import { Link } from 'react-router';
import { api } from '../api/client';
import { Field } from '../components';
import { SessionForm } from '../SessionForm';
import { SsoButtons } from './SignIn';

/** A new account and its organization: a receptionist for a business, or a coaching service. */
export function SignUp() {
  const [adult, setAdult] = useState(false);
  const [product, setProduct] = useState<'receptionist' | 'coach'>('receptionist');
  const send = (form: FormData) =>
    api.POST('/auth/signup', {
      body: {
        email: String(form.get('email')),
        password: String(form.get('password')),
        name: String(form.get('name')),
        organization: { name: String(form.get('organization')), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, product },
        ageConfirmed: true,
      },
    });
  return (
    <main className="narrow">
      <h1>Create your Callgenly account</h1>
      <SessionForm label="Sign up" submit="Create account" send={send}>
        <Field label="Your name" name="name" autoComplete="name" />
        <Field label="Email" name="email" type="email" autoComplete="email" />
        <Field label="Password (at least 12 characters)" name="password" type="password" autoComplete="new-password" minLength={12} />
        <Field label="Organization name" name="organization" autoComplete="organization" />
        <RadioGroup name="product" value={product} onChange={(v) => setProduct(v === 'coach' ? 'coach' : 'receptionist')} className="choice">
          <Label>What is it for?</Label>
          <Radio value="receptionist">An AI receptionist for my business</Radio>
          <Radio value="coach">An English coaching service</Radio>
        </RadioGroup>
        {/* Adults only: the API refuses an account without it. */}
        <Checkbox name="ageConfirmed" value="yes" isRequired isSelected={adult} onChange={setAdult}>
          I am 18 or older
        </Checkbox>
      </SessionForm>
      {adult && <SsoButtons product={product} ageConfirmed />}
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </main>
  );
}
