import { NavLink, Navigate, Outlet } from 'react-router';
import { Button, Loading } from './components';
import { useSession } from './session';

/** The signed-in frame: who and where, the pages this role has, sign-out. Signed out: to the sign-in page. */
export function Layout() {
  const { session, signOut } = useSession();
  if (session === undefined) return <Loading what="your session" />;
  if (session === null) return <Navigate to="/signin" replace />;
  const learner = session.organization.role === 'learner';
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
            </>
          ) : (
            <NavLink to="/calls">Calls</NavLink>
          )}
        </nav>
        <span className="who">
          {session.user.name} · {session.organization.name}
        </span>
        <Button variant="plain" onPress={() => void signOut()}>
          Sign out
        </Button>
      </header>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

/** Where `/` leads: a learner to their progress, everyone else to the calls. */
export function Home() {
  const { session } = useSession();
  return <Navigate to={session?.organization.role === 'learner' ? '/learn/progress' : '/calls'} replace />;
}
