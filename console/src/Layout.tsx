import { NavLink, Navigate, Outlet, useOutletContext } from 'react-router';
import { AnalyticsBanner, useAnalyticsChoice, usePageAnalytics } from './analytics';
import { PolicyBanner } from './PolicyBanner';
import { api } from './api/client';
import { Button, Loading } from './components';
import { useSession } from './session';
import { useApi } from './useApi';

/** The signed-in frame: who and where, the pages this role has, sign-out. Signed out: to the sign-in page. */
export function Layout() {
  const { session, signOut } = useSession();
  const product = useProduct();
  const analytics = useAnalyticsChoice(session?.user.id);
  usePageAnalytics(analytics.choice);
  if (session === undefined) return <Loading what="your session" />;
  if (session === null) return <Navigate to="/signin" replace />;
  const learner = session.organization.role === 'learner';
  const admin = session.organization.role === 'owner' || session.organization.role === 'admin';
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Callgenly</span>
        <nav aria-label="Main">
          {learner ? (
            <>
              <NavLink to="/learn/progress">Progress</NavLink>
              <NavLink to="/learn/plans">Plans</NavLink>
              <NavLink to="/learn/calls">Calls</NavLink>
              <NavLink to="/learn/balance">Balance</NavLink>
            </>
          ) : (
            <>
              {product === 'coach' ? (
                <>
                  <NavLink to="/learners">Learners</NavLink>
                  <NavLink to="/topics">Topics</NavLink>
                </>
              ) : (
                <>
                  <NavLink to="/calls">Calls</NavLink>
                  <NavLink to="/appointments">Appointments</NavLink>
                  <NavLink to="/settings/agent">Receptionist</NavLink>
                </>
              )}
              {admin && (
                <>
                  <NavLink to="/team">Team</NavLink>
                  <NavLink to="/billing">Billing</NavLink>
                  <NavLink to="/privacy">Privacy</NavLink>
                </>
              )}
            </>
          )}
        </nav>
        <span className="who">
          {session.user.name} · {session.organization.name}
        </span>
        <NavLink to="/account">Account</NavLink>
        <Button variant="plain" onPress={() => void signOut()}>
          Sign out
        </Button>
      </header>
      <PolicyBanner userId={session.user.id} />
      {analytics.choice === null && <AnalyticsBanner choose={(c) => void analytics.choose(c)} error={analytics.error} />}
      <main id="main">
        <Outlet context={analytics} />
      </main>
    </>
  );
}

/** The person's analytics choice, for the pages inside the frame (the account page changes it). */
export const useAnalytics = () => useOutletContext<ReturnType<typeof useAnalyticsChoice>>();

/** Which product the signed-in staff member's organization is (learners see only their own pages). */
function useProduct(): string | undefined {
  const { session } = useSession();
  const staff = Boolean(session && session.organization.role !== 'learner');
  return useApi(async () => (staff ? (await api.GET('/organization')).data?.product : undefined), [session?.organization.id, staff]).data;
}

/** Where `/` leads: a learner to their progress, a coaching school's staff to the learners, everyone else to the calls. */
export function Home() {
  const { session } = useSession();
  const product = useProduct();
  if (session?.organization.role === 'learner') return <Navigate to="/learn/progress" replace />;
  if (!product) return <Loading what="your organization" />;
  return <Navigate to={product === 'coach' ? '/learners' : '/calls'} replace />;
}
