import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, setCsrfToken } from './api/client';
import type { components } from './api/schema';

export type Session = components['schemas']['Session'];

interface SessionState {
  session: Session | null | undefined; // undefined while loading
  signedIn(session: Session): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/** Who is signed in (the cookie session the API set), loaded once; sign-in and sign-out update it. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    api.GET('/auth/session').then(({ data }) => {
      setCsrfToken(data?.csrfToken);
      setSession(data ?? null);
    });
  }, []);
  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  }, []);
  const signOut = useCallback(async () => {
    await api.POST('/auth/signout');
    setCsrfToken(undefined);
    setSession(null);
  }, []);
  return <SessionContext.Provider value={{ session, signedIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}
