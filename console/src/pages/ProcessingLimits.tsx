import { useState, type FormEvent } from 'react';
import { api, ok } from '../api/client';
import type { components } from '../api/schema';
import { Button, Loading, Problem } from '../components';
import { useSession } from '../session';
import { useOutcome } from '../outcome';
import { useApi } from '../useApi';

type Limit = components['schemas']['ProcessingLimit'];
const day = (iso: string) => new Date(iso).toLocaleDateString();

/**
 * Restriction and objection (GDPR art. 18 and 21): a person limits the processing of their own data here;
 * on the Privacy page an admin also records a caller's request (by number) and sees everyone's. Each shows
 * what it stops, and is lifted with a reason; the history stays.
 */
export function ProcessingLimits({ scope }: { scope: 'own' | 'organization' }) {
  const { session } = useSession();
  const admin = scope === 'organization' && (session?.organization.role === 'owner' || session?.organization.role === 'admin');
  const limits = useApi(async () => {
    const all = ok(await api.GET('/processing-limits'));
    return admin ? all : { items: all.items.filter((l) => l.subject.type === 'user' && l.subject.userId === session?.user.id) };
  }, [admin]);
  const { error, notice, act } = useOutcome();
  const [lifting, setLifting] = useState<string>();

  async function record(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const number = String(data.get('number') ?? '').trim();
    const subject = number ? { type: 'caller' as const, number } : { type: 'user' as const, userId: session!.user.id };
    const kind = data.get('kind') === 'restriction' ? ('restriction' as const) : ('objection' as const);
    if (await act(api.POST('/processing-limits', { body: { kind, subject, reason: String(data.get('reason')) } }), `The ${kind} is in force.`, limits.reload)) form.reset();
  }

  async function lift(event: FormEvent<HTMLFormElement>, limit: Limit) {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get('reason'));
    const lifted = api.POST('/processing-limits/{limitId}/lift', { params: { path: { limitId: limit.id } }, body: { reason } });
    if (await act(lifted, `The ${limit.kind} is lifted.`, limits.reload)) setLifting(undefined);
  }

  const whose = (l: Limit) => (l.subject.type === 'caller' ? `Caller ${l.subject.number}` : l.subject.userId === session?.user.id ? 'You' : `Member ${l.subject.userId}`);
  return (
    <>
      <h2>Restriction and objection</h2>
      <p>
        A restriction keeps the data but stops its use: no analysis, reports, analytics or exports, and a call is read only by an owner for a legal
        claim. An objection stops analysis, reports and analytics.
      </p>
      <Problem message={error ?? limits.error} />
      {notice && <p role="status">{notice}</p>}
      {!limits.data ? (
        !limits.error && <Loading what="restrictions and objections" />
      ) : limits.data.items.length === 0 ? (
        <p>None recorded.</p>
      ) : (
        <ul className="cards" aria-label="Restrictions and objections">
          {limits.data.items.map((l) => (
            <li key={l.id} className="card">
              {whose(l)}: {l.kind} since {day(l.createdAt)} ({l.reason}); stops {l.stops.join(', ')}.{' '}
              {l.liftedAt ? (
                <span>
                  Lifted {day(l.liftedAt)}: {l.liftReason}
                </span>
              ) : lifting === l.id ? (
                <form onSubmit={(e) => void lift(e, l)} aria-label={`Lift the ${l.kind}`} className="inline-form">
                  <div className="field">
                    <label htmlFor={`lift-${l.id}`}>Why it is lifted</label>
                    <input id={`lift-${l.id}`} name="reason" required maxLength={500} />
                  </div>
                  <Button type="submit" variant="plain">
                    Lift
                  </Button>
                </form>
              ) : (
                <Button variant="plain" aria-label={`Lift the ${l.kind} of ${whose(l)}`} onPress={() => setLifting(l.id)}>
                  Lift…
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void record(e)} aria-label="Limit processing" className="inline-form">
        <div className="field">
          <label htmlFor="limit-kind">Kind</label>
          <select id="limit-kind" name="kind" defaultValue="objection">
            <option value="objection">Objection (no analysis, reports or analytics)</option>
            <option value="restriction">Restriction (kept, not used)</option>
          </select>
        </div>
        {admin && (
          <div className="field">
            <label htmlFor="limit-number">A caller&rsquo;s number (empty: yourself)</label>
            <input id="limit-number" name="number" type="tel" />
          </div>
        )}
        <div className="field">
          <label htmlFor="limit-reason">Reason</label>
          <input id="limit-reason" name="reason" required maxLength={500} />
        </div>
        <Button type="submit" variant="plain">
          Record it
        </Button>
      </form>
    </>
  );
}
