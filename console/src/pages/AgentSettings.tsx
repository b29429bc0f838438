import { useState, type FormEvent } from 'react';
import { Checkbox, Form, Label, TextArea, TextField } from 'react-aria-components';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Field, Loading, Page, Problem } from '../components';
import { useApi } from '../useApi';

type Organization = components['schemas']['Organization'];
type Faq = Organization['faq'];

/** What the receptionist says and knows: greeting, instructions, the FAQ, where calls are transferred, recording. */
export function AgentSettings() {
  const org = useApi(async () => ok(await api.GET('/organization')), []);
  return <Page title="Your receptionist">{!org.data ? <Loading what="the settings" /> : <SettingsForm org={org.data} />}</Page>;
}

function SettingsForm({ org }: { org: Organization }) {
  const [faq, setFaq] = useState<Faq>(org.faq);
  const [recording, setRecording] = useState(org.recordingEnabled);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const transfer = String(form.get('transferNumber') ?? '').trim();
    const { error: failed, response } = await api.PATCH('/organization', {
      body: {
        greeting: String(form.get('greeting')),
        agentInstructions: String(form.get('agentInstructions')),
        transferNumber: transfer === '' ? null : transfer,
        recordingEnabled: recording,
        recordingAnnouncement: String(form.get('recordingAnnouncement')),
        faq: faq.filter((f) => f.question.trim() && f.answer.trim()),
      },
    });
    setSaved(response.ok);
    setError(response.ok ? undefined : problem(failed));
  }
  const edit = (i: number, key: 'question' | 'answer', value: string) => setFaq(faq.map((f, j) => (j === i ? { ...f, [key]: value } : f)));
  return (
    <Form onSubmit={save} aria-label="Receptionist settings">
      <Field label="Greeting (the first thing a caller hears)" name="greeting" defaultValue={org.greeting} />
      <TextField name="agentInstructions" defaultValue={org.agentInstructions} className="field">
        <Label>Instructions</Label>
        <TextArea rows={5} />
      </TextField>
      <Field label="Transfer calls to (E.164, e.g. +14155550123)" name="transferNumber" type="tel" isRequired={false} defaultValue={org.transferNumber ?? ''} />
      <Checkbox isSelected={recording} onChange={setRecording}>
        Record calls
      </Checkbox>
      <Field label="Recording announcement" name="recordingAnnouncement" defaultValue={org.recordingAnnouncement} />
      <fieldset className="faq">
        <legend>Questions the receptionist can answer</legend>
        {faq.map((f, i) => (
          <div key={i} className="faq-row">
            <TextField value={f.question} onChange={(v) => edit(i, 'question', v)} className="field">
              <Label>Question {i + 1}</Label>
              <TextArea rows={1} />
            </TextField>
            <TextField value={f.answer} onChange={(v) => edit(i, 'answer', v)} className="field">
              <Label>Answer {i + 1}</Label>
              <TextArea rows={2} />
            </TextField>
            <Button variant="plain" onPress={() => setFaq(faq.filter((_, j) => j !== i))}>
              Remove question {i + 1}
            </Button>
          </div>
        ))}
        <Button variant="plain" onPress={() => setFaq([...faq, { question: '', answer: '' }])}>
          Add a question
        </Button>
      </fieldset>
      <Problem message={error} />
      {saved && <p role="status">Saved: the next call uses these settings.</p>}
      <Button type="submit">Save</Button>
    </Form>
  );
}
