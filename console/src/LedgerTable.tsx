import type { components } from './api/schema';
import { TableHead } from './components';
import { LEDGER_KIND, money } from './money';

/** A balance's history, newest first: when, what, how much. */
export function LedgerTable({ entries, kinds = LEDGER_KIND }: { entries: components['schemas']['BalanceTransaction'][]; kinds?: Record<string, string> }) {
  if (entries.length === 0) return <p>Nothing yet.</p>;
  return (
    <table>
      <TableHead columns={['Date', 'What', 'Amount']} />
      <tbody>
        {entries.map((t) => (
          <tr key={t.id}>
            <td>{new Date(t.createdAt).toLocaleString()}</td>
            <td>{kinds[t.kind] ?? t.kind}</td>
            <td>{money(t.amount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
