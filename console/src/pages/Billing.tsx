import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ok, problem } from '../api/client';
import { Button, Loading, Page, Problem, TableHead, WorkflowLink } from '../components';
import { LedgerTable } from '../LedgerTable';
import { money } from '../money';
import { useSession } from '../session';
import { useOutcome } from '../outcome';
import { useApi } from '../useApi';

const PLAN = { subscription: 'Monthly plan (base fee, minutes included, then per minute)', prepaid: 'Prepaid balance (calls draw it down)' } as const;
const STATUS: Record<string, string> = { active: 'in good standing', past_due: 'a payment failed', suspended: 'suspended: calls only take messages', cancelled: 'cancelled' };
const day = (iso: string) => new Date(iso).toLocaleDateString();

/**
 * The organization's billing: plan and standing, this period's usage with its chart, the card invoices are
 * charged to (given through Stripe Checkout in setup mode), the prepaid balance with its history and
 * top-ups, and the closed periods' billing records. Changing the plan, the card or stopping is the owner's.
 */
export function Billing() {
  const { session } = useSession();
  const owner = session?.organization.role === 'owner';
  const [params] = useSearchParams();
  const back = params.get('top-up') ?? params.get('payment-method');
  // Back from Checkout, Stripe's webhook may not have come yet: look again every few seconds.
  const poll = back === 'done' ? 3000 : undefined;
  const billing = useApi(async () => ok(await api.GET('/billing')), [], poll);
  const from = billing.data?.currentPeriod?.start;
  const usage = useApi(async () => (from ? ok(await api.GET('/billing/usage', { params: { query: { from } } })) : undefined), [from]);
  const balance = useApi(async () => ok(await api.GET('/billing/balance')), [], poll);
  const history = useApi(async () => ok(await api.GET('/billing/transactions')), [], poll);
  const records = useApi(async () => ok(await api.GET('/billing/records', { params: { query: { limit: 24 } } })), []);
  const { error, notice, setError, act } = useOutcome();

  async function toCheckout(result: Promise<{ data?: { url: string }; error?: unknown }>) {
    const { data, error: failed } = await result;
    if (!data?.url) return setError(problem(failed, 'Payments are not available right now.'));
    window.location.assign(data.url); // Stripe Checkout; it sends the browser back here
  }
  const b = billing.data;
  const period = b?.currentPeriod;
  const other = b?.plan === 'subscription' ? 'prepaid' : 'subscription';
  return (
    <Page title="Billing" actions={<WorkflowLink url={b?.workflowUrl} label="The billing cycle in the Temporal UI" />}>
      {params.get('top-up') === 'done' && <p role="status">Thank you: the payment is being confirmed, and the balance shows it in a moment.</p>}
      {params.get('payment-method') === 'done' && <p role="status">Thank you: Stripe is confirming the card, and it shows here in a moment.</p>}
      {back === 'cancelled' && <p role="status">Cancelled at Stripe; nothing changed.</p>}
      {notice && <p role="status">{notice}</p>}
      <Problem message={error ?? billing.error ?? balance.error ?? records.error} />
      {!b ? (
        <Loading what="billing" />
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>Plan</dt>
              <dd>
                {PLAN[b.plan]}
                {period?.pendingPlan && <small>Changes to {PLAN[period.pendingPlan].toLowerCase()} on {period.end ? day(period.end) : 'the next period'}</small>}
              </dd>
            </div>
            <div>
              <dt>Standing</dt>
              <dd>
                {STATUS[b.status] ?? b.status}
                {period?.suspendAt && <small>Pay before {day(period.suspendAt)} to keep answering calls</small>}
              </dd>
            </div>
            <div>
              <dt>This period</dt>
              <dd>{period ? `${day(period.start)} – ${period.end ? day(period.end) : '…'}` : 'not running'}</dd>
            </div>
            <div>
              <dt>Card for invoices</dt>
              <dd>{b.paymentMethod ? b.paymentMethod.label : 'none yet'}</dd>
            </div>
          </dl>
          {owner && (
            <div className="actions">
              <Button onPress={() => void toCheckout(api.POST('/billing/payment-method'))}>{b.paymentMethod ? 'Replace the card' : 'Add a payment method'}</Button>
              {b.status !== 'cancelled' && !period?.pendingPlan && (
                <Button variant="plain" onPress={() => act(api.PUT('/billing/plan', { body: { plan: other } }), `From the next period: ${PLAN[other].toLowerCase()}.`, billing.reload)}>
                  Switch to {other === 'prepaid' ? 'prepaid' : 'the monthly plan'}
                </Button>
              )}
            </div>
          )}
        </>
      )}

      <h2>Usage this period</h2>
      {!period ? (
        <p>The billing period is not running, so there is no usage to show.</p>
      ) : !usage.data ? (
        <Loading what="usage" />
      ) : (
        <>
          <p>
            {usage.data.calls} calls, {usage.data.minutes} billable minutes
            {usage.data.unreportedCalls > 0 && ` (${usage.data.unreportedCalls} not billed yet)`}.
          </p>
          {/* The SVG is the server's own chart output (numbers and dates), not anyone's text. */}
          <figure className="chart" role="img" aria-label={`Minutes and calls per ${usage.data.series.unit}`} dangerouslySetInnerHTML={{ __html: usage.data.chart }} />
        </>
      )}

      <h2>Prepaid balance</h2>
      {!balance.data ? (
        <Loading what="the balance" />
      ) : (
        <p>{balance.data.balances.length === 0 ? 'No balance yet.' : balance.data.balances.map(money).join(', ')}</p>
      )}
      <div className="actions">
        {[2000, 5000, 10000].map((amountMinor) => (
          <Button key={amountMinor} variant="plain" onPress={() => void toCheckout(api.POST('/billing/top-ups', { body: { amountMinor } }))}>
            Top up {money({ amountMinor, currency: balance.data?.balances[0]?.currency ?? 'USD' })}
          </Button>
        ))}
      </div>
      <h3>History</h3>
      {!history.data ? <Loading what="the history" /> : <LedgerTable entries={history.data.data} />}

      <h2>Billing records</h2>
      {!records.data ? (
        <Loading what="billing records" />
      ) : records.data.data.length === 0 ? (
        <p>No closed period yet: each one is listed here when it ends.</p>
      ) : (
        <table>
          <TableHead columns={['Period', 'Minutes', 'Amount', 'Status', 'Stripe invoice']} />
          <tbody>
            {records.data.data.map((r) => (
              <tr key={r.id}>
                <td>
                  {day(r.periodStart)} – {day(r.periodEnd)}
                </td>
                <td>
                  {r.minutes} ({r.includedMinutes} included)
                </td>
                <td>{money({ amountMinor: r.amountMinor, currency: r.currency })}</td>
                <td>{r.status.replace('_', ' ')}</td>
                <td>{r.stripeInvoiceId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {owner && b && b.status !== 'cancelled' && <StopPaying onStop={() => act(api.POST('/billing/cancel'), 'Billing is closing: this period is billed now, and calls will only take messages.', billing.reload)} />}
    </Page>
  );
}

/** Stopping is asked twice: it ends the subscription and the receptionist only takes messages afterwards. */
function StopPaying({ onStop }: { onStop: () => void }) {
  const [asked, setAsked] = useState(false);
  return (
    <section aria-labelledby="stop-title" className="card danger">
      <h2 id="stop-title">Stop paying</h2>
      <p>This period is billed now and the subscription ends; afterwards calls are answered only to take messages.</p>
      {asked ? (
        <div className="actions">
          <Button onPress={onStop}>Yes, stop paying</Button>
          <Button variant="plain" onPress={() => setAsked(false)}>
            Keep paying
          </Button>
        </div>
      ) : (
        <Button variant="plain" onPress={() => setAsked(true)}>
          Stop paying…
        </Button>
      )}
    </section>
  );
}
