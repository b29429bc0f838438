import { api } from './api/client';
import { Button } from './components';
import { useApi } from './useApi';

/** A privacy or terms change announced after the person joined, shown until they say they have seen it. */
export function PolicyBanner({ userId }: { userId: string }) {
  const status = useApi(async () => (await api.GET('/me/policy')).data, [userId]);
  const s = status.data;
  if (!s?.policy || !s.changedSinceSeen) return null;
  const policy = s.policy;
  async function seen() {
    await api.POST('/me/policy/seen', { body: { policyId: policy.id } });
    status.reload();
  }
  return (
    <aside className="consent policy" aria-labelledby="policy-title">
      <h2 id="policy-title">{policy.title}</h2>
      <p>
        Changed from {new Date(policy.effectiveAt).toLocaleDateString()}: {policy.summary}{' '}
        <a href={policy.url} target="_blank" rel="noopener">
          Read the policy
        </a>
      </p>
      <div className="actions">
        <Button onPress={() => void seen()}>Got it</Button>
      </div>
    </aside>
  );
}
