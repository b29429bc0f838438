import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ok, problem } from '../api/client';
import { Button, Loading, Page, Problem } from '../components';
import { LedgerTable } from '../LedgerTable';
import { LEDGER_KIND, money } from '../money';
import { useApi } from '../useApi';

const KIND: Record<string, string> = { ...LEDGER_KIND, call_debit: 'Practice call' };

/** A learner's own balance: what it pays for, its history, and a top-up through Stripe Checkout. */
export function Balance() {
  const [params] = useSearchParams();
  const back = params.get('top-up');
  // Back from Checkout, the payment's webhook may not have come yet: look again every few seconds.
  const poll = back === 'done' ? 3000 : undefined;
  const balance = useApi(async () => ok(await api.GET('/me/learner/balance')), [], poll);
  const history = useApi(async () => ok(await api.GET('/me/learner/transactions')), [], poll);
  const [error, setError] = useState<string>();
  async function topUp(amountMinor: number) {
    const { data, error: failed } = await api.POST('/me/learner/top-ups', { body: { amountMinor } });
    if (!data?.url) return setError(problem(failed, 'Payments are not available right now.'));
    window.location.assign(data.url); // Stripe Checkout, in the organization's name
  }
  return (
    <Page title="Your balance">
      {back === 'done' && <p role="status">Thank you: your payment is being confirmed, and the balance shows it in a moment.</p>}
      {back === 'cancelled' && <p role="status">The top-up was cancelled; nothing was charged.</p>}
      <Problem message={error ?? balance.error ?? history.error} />
      {!balance.data ? (
        <Loading what="your balance" />
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>Balance</dt>
              <dd>{money(balance.data.balance)}</dd>
            </div>
            <div>
              <dt>Pays for</dt>
              <dd>{balance.data.minutesPaidFor} minutes</dd>
            </div>
            <div>
              <dt>A minute costs</dt>
              <dd>{money(balance.data.pricePerMinute)}</dd>
            </div>
          </dl>
          <div className="actions">
            {[1000, 2000, 5000].map((amountMinor) => (
              <Button key={amountMinor} onPress={() => void topUp(amountMinor)}>
                Top up {money({ amountMinor, currency: balance.data!.balance.currency })}
              </Button>
            ))}
          </div>
        </>
      )}
      <h2>History</h2>
      {!history.data ? <Loading what="your history" /> : <LedgerTable entries={history.data.data} kinds={KIND} />}
    </Page>
  );
}
