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
  return (
    <Page title="Your receptionist">
      {!org.data ? <Loading what="the settings" /> : <SettingsForm org={org.data} />}
      <TryIt />
    </Page>
  );
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

type Line = { who: 'you' | 'receptionist'; text: string };

/**
 * A text conversation with the real receptionist, through the same call engine a phone call goes through
 * (the saved settings, the agent, the workflow): listed among the calls as a trial, never billed.
 */
function TryIt() {
  const [lines, setLines] = useState<Line[]>([]);
  const [call, setCall] = useState<{ callSid: string; state: string; ended: boolean }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function step(result: Promise<{ data?: components['schemas']['TrialTurn']; error?: unknown }>, said?: string) {
    setBusy(true);
    if (said) setLines((l) => [...l, { who: 'you', text: said }]);
    const { data, error: failed } = await result;
    setBusy(false);
    if (!data) return setError(problem(failed));
    setError(undefined);
    setLines((l) => [...l, ...data.said.map((text) => ({ who: 'receptionist' as const, text }))]);
    setCall({ callSid: data.callSid, state: data.state, ended: data.ended });
  }
  async function say(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text || !call) return;
    form.reset();
    await step(api.POST('/trial-calls/{callSid}/say', { params: { path: { callSid: call.callSid } }, body: { text, state: call.state } }), text);
  }
  const live = call && !call.ended;
  return (
    <section aria-labelledby="try-title" className="card">
      <h2 id="try-title">Try it</h2>
      <p>Talk to your receptionist in writing, as a caller would, with the settings saved above. The conversation is listed among your calls as a trial and never billed.</p>
      <Problem message={error} />
      {lines.length > 0 && (
        <ol className="conversation" aria-label="Trial conversation" aria-live="polite">
          {lines.map((l, i) => (
            <li key={i} className={l.who === 'receptionist' ? 'agent' : 'caller'}>
              <span className="speaker">{l.who === 'receptionist' ? 'Receptionist' : 'You'}</span>
              {l.text}
            </li>
          ))}
        </ol>
      )}
      {live ? (
        <>
          <form onSubmit={say} aria-label="Say something" className="inline-form">
            <div className="field">
              <label htmlFor="try-text">You say</label>
              <input id="try-text" name="text" required maxLength={1000} autoComplete="off" />
            </div>
            <Button type="submit" isDisabled={busy}>
              Send
            </Button>
          </form>
          <Button variant="plain" isDisabled={busy} onPress={() => void step(api.POST('/trial-calls/{callSid}/hang-up', { params: { path: { callSid: call.callSid } }, body: { state: call.state } }))}>
            Hang up
          </Button>
        </>
      ) : (
        <>
          {call?.ended && <p role="status">The call has ended.</p>}
          <Button isDisabled={busy} onPress={() => {
            setLines([]);
            void step(api.POST('/trial-calls'));
          }}>
            {call ? 'Call again' : 'Start a trial call'}
          </Button>
        </>
      )}
    </section>
  );
}
