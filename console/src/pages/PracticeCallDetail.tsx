import { useState, type FormEvent } from 'react';
import { Form, Label, TextArea, TextField } from 'react-aria-components';
import { Link, useParams } from 'react-router';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Loading, Page, Problem } from '../components';
import { useApi } from '../useApi';

type Result = NonNullable<components['schemas']['PracticeAnalysis']['result']>;
const DIMENSIONS = ['grammar', 'vocabulary', 'fluency', 'pronunciation'] as const;

/** One held practice call: the conversation, then the feedback and each score with how it was reached, or why it is not measured. */
export function PracticeCallDetail() {
  const { practiceCallId = '' } = useParams();
  const path = { params: { path: { practiceCallId } } };
  const call = useApi(async () => ok(await api.GET('/practice-calls/{practiceCallId}', path)), [practiceCallId]);
  const analysis = useApi(async () => ok(await api.GET('/practice-calls/{practiceCallId}/analysis', path)), [practiceCallId], 5000);
  const [error, setError] = useState<string>();
  const [contested, setContested] = useState(false);

  async function contest(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get('reason'));
    const { error: failed, response } = await api.POST('/practice-calls/{practiceCallId}/analysis/contest', { ...path, body: { reason } });
    if (!response.ok) return setError(problem(failed));
    setContested(true);
  }
  const a = analysis.data;
  return (
    <Page title="Practice call" actions={<Link to="/learn/calls">All calls</Link>}>
      <Problem message={call.error} />
      <h2>Feedback</h2>
      {!a ? (
        <Loading what="the feedback" />
      ) : a.status === 'pending' ? (
        <p>The call is being analysed; the feedback appears here in a minute.</p>
      ) : a.status === 'objected' ? (
        <p>You object to the analysis of your calls, so this one was not analysed.</p>
      ) : a.status === 'failed' || !a.result ? (
        <p>The analysis could not be made ({a.error ?? 'no reason given'}); staff can run it again.</p>
      ) : (
        <Feedback result={a.result} />
      )}
      {a?.result?.scored && (
        <>
          <h2>Do you disagree with these scores?</h2>
          {contested ? (
            <p role="status">Contested: these scores are out of your level until a person at your school reviews them.</p>
          ) : (
            <Form onSubmit={contest} aria-label="Contest the scores">
              <TextField name="reason" isRequired className="field">
                <Label>Why (a person will read it)</Label>
                <TextArea rows={3} />
              </TextField>
              <Problem message={error} />
              <Button type="submit">Contest the scores</Button>
            </Form>
          )}
        </>
      )}
      <h2>Conversation</h2>
      {!call.data ? (
        <Loading what="the conversation" />
      ) : (
        <ol className="conversation" aria-label="Conversation">
          {call.data.transcript.map((line, i) => (
            <li key={i} className={line.role === 'coach' ? 'agent' : 'caller'}>
              <span className="speaker">{line.role === 'coach' ? 'Coach' : 'You'}</span> {line.text}
            </li>
          ))}
        </ol>
      )}
    </Page>
  );
}

function Feedback({ result }: { result: Result }) {
  return (
    <>
      <p>{result.feedback.summary}</p>
      {!result.scored && <p>{result.notScoredBecause}</p>}
      <dl className="facts">
        {DIMENSIONS.map((d) => {
          const m = result[d];
          return (
            <div key={d}>
              <dt>{d}</dt>
              <dd>
                {m.measured ? m.score : <span className="not-measured">not measured</span>}
                <small>{m.measured ? m.explanation : m.reason}</small>
              </dd>
            </div>
          );
        })}
      </dl>
      {result.grammar.measured && result.grammar.mistakes.length > 0 && (
        <>
          <h3>Mistakes, with corrections</h3>
          <ul>
            {result.grammar.mistakes.map((m, i) => (
              <li key={i}>
                “{m.quote}” → <strong>“{m.correction}”</strong>: {m.rule}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
