import { useState, type FormEvent, type ReactNode } from 'react';
import { Form } from 'react-aria-components';
import { useNavigate } from 'react-router';
import { problem } from './api/client';
import { Button, Problem } from './components';
import { useSession, type Session } from './session';

/** A form that starts a session (sign-in, sign-up): the API's error said under it, or in to the console. */
export function SessionForm(props: { label: string; submit: string; send(form: FormData): Promise<{ data?: Session; error?: unknown }>; children: ReactNode }) {
  const { signedIn } = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { data, error } = await props.send(new FormData(event.currentTarget));
    if (!data) return setError(problem(error));
    signedIn(data);
    navigate('/');
  }
  return (
    <Form onSubmit={submit} aria-label={props.label}>
      {props.children}
      <Problem message={error} />
      <Button type="submit">{props.submit}</Button>
    </Form>
  );
}
