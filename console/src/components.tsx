import type { ReactNode } from 'react';
import { Button as AriaButton, FieldError, Input, Label, TextField, type ButtonProps } from 'react-aria-components';

/** A labelled text input with its validation message (react-aria: labels, focus and errors wired for assistive tech). */
export function Field(props: { label: string; name: string; type?: string; autoComplete?: string; isRequired?: boolean; defaultValue?: string; minLength?: number }) {
  return (
    <TextField className="field" name={props.name} type={props.type ?? 'text'} isRequired={props.isRequired ?? true} autoComplete={props.autoComplete} defaultValue={props.defaultValue} minLength={props.minLength}>
      <Label>{props.label}</Label>
      <Input />
      <FieldError />
    </TextField>
  );
}

export function Button(props: ButtonProps & { variant?: 'primary' | 'plain' }) {
  const { variant = 'primary', className, ...rest } = props;
  return <AriaButton {...rest} className={`button ${variant} ${typeof className === 'string' ? className : ''}`} />;
}

/** An error from the API, said where the person looks, and announced. */
export function Problem({ message }: { message?: string }) {
  return message ? (
    <p role="alert" className="problem">
      {message}
    </p>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return <p aria-live="polite">Loading {what}…</p>;
}

export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{title}</h1>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Opens the durable workflow behind a call, booking, billing cycle or deletion in the Temporal Web UI (operators' second screen). */
export function WorkflowLink({ url, label = 'Its workflow in the Temporal UI' }: { url?: string | null; label?: string }) {
  return url ? (
    <a href={url} target="_blank" rel="noopener" className="workflow-link">
      {label}
    </a>
  ) : null;
}

/** A table's column headings; an empty name is a column of actions, named for screen readers only. */
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          <th scope="col" key={i}>
            {c || <span className="visually-hidden">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
