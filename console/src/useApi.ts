import { useCallback, useEffect, useState } from 'react';

/** Loads with `load` (again when `deps` change, or every `pollMs`); the error is the API's readable message. */
export function useApi<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): { data?: T; error?: string; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data }),
      (error: Error) => live && setState((s) => ({ ...s, error: error.message })),
    );
    const timer = pollMs ? setInterval(reload, pollMs) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload };
}
