import { useEffect, useState } from 'react';
import { useMatches } from 'react-router';
import { api, problem } from './api/client';
import { Button, Problem } from './components';

/**
 * Product analytics, only after the person said yes: nothing is sent (and no cookie or storage is used)
 * until then. What is sent is a route's pattern ("/calls/:callId") or a feature's name, never a URL or an id;
 * the API refuses it too while the person has not said yes.
 */
let allowed = false;

export function track(kind: 'page' | 'feature', name: string): void {
  if (!allowed) return;
  void api.POST('/me/analytics/events', { body: { events: [{ kind, name }] } });
}

type Choice = 'granted' | 'declined' | null;

/** The person's choice, loaded once per session; `choose` changes it (and, for no, deletes what was counted). */
export function useAnalyticsChoice(userId: string | undefined) {
  const [choice, setChoice] = useState<Choice | undefined>(undefined);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setChoice(undefined);
    // An unanswered request (an API key, a failure) is not a yes: nothing is sent, and the banner is not shown.
    if (userId) void api.GET('/me/analytics').then(({ data }) => setChoice(data ? data.choice : undefined));
  }, [userId]);
  useEffect(() => {
    allowed = choice === 'granted';
  }, [choice]);
  async function choose(next: 'granted' | 'declined') {
    const { data, error: failed } = await api.PUT('/me/analytics', { body: { choice: next } });
    if (!data) return setError(problem(failed));
    setError(undefined);
    setChoice(data.choice);
  }
  return { choice, choose, error };
}

/** Counts the page being shown, by its route pattern, when it changes. */
export function usePageAnalytics(choice: Choice | undefined): void {
  const matches = useMatches();
  const last = matches.at(-1);
  const pattern = last ? Object.entries(last.params).reduce((path, [name, value]) => (value ? path.replace(`/${value}`, `/:${name}`) : path), last.pathname) : undefined;
  useEffect(() => {
    if (choice === 'granted' && pattern) track('page', pattern);
  }, [choice, pattern]);
}

/** Asked once, until answered: yes or no are equally easy, and nothing is collected meanwhile. */
export function AnalyticsBanner({ choose, error }: { choose: (c: 'granted' | 'declined') => void; error?: string }) {
  return (
    <aside className="consent" aria-labelledby="consent-title">
      <h2 id="consent-title">Help us improve Callgenly?</h2>
      <p>
        May we count which pages and features you use? The counts stay in Callgenly&rsquo;s own database, are never shared, and you can change your mind under
        Account at any time (saying no deletes what was counted). Until you choose, nothing is collected.
      </p>
      <Problem message={error} />
      <div className="actions">
        <Button onPress={() => choose('granted')}>Allow analytics</Button>
        <Button variant="plain" onPress={() => choose('declined')}>
          No thanks
        </Button>
      </div>
    </aside>
  );
}
