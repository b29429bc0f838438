import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { Home, Layout } from './Layout';
import { AcceptInvitation } from './pages/AcceptInvitation';
import { Account } from './pages/Account';
import { AgentSettings } from './pages/AgentSettings';
import { Appointments } from './pages/Appointments';
import { Balance } from './pages/Balance';
import { Billing } from './pages/Billing';
import { BookingSettings } from './pages/BookingSettings';
import { CallDetail } from './pages/CallDetail';
import { Calls } from './pages/Calls';
import { Learners } from './pages/Learners';
import { Plans } from './pages/Plans';
import { PracticeCallDetail } from './pages/PracticeCallDetail';
import { PracticeCalls } from './pages/PracticeCalls';
import { Privacy } from './pages/Privacy';
import { Progress } from './pages/Progress';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';
import { Team } from './pages/Team';
import { Topics } from './pages/Topics';
import { SessionProvider } from './session';
import './styles.css';

const router = createBrowserRouter([
  { path: '/signin', element: <SignIn /> },
  { path: '/signup', element: <SignUp /> },
  { path: '/invitations/accept', element: <AcceptInvitation /> },
  {
    element: <Layout />,
    children: [
      { index: true, element: <Home /> },
      { path: '/calls', element: <Calls /> },
      { path: '/calls/:callId', element: <CallDetail /> },
      { path: '/appointments', element: <Appointments /> },
      { path: '/settings/agent', element: <AgentSettings /> },
      { path: '/settings/booking', element: <BookingSettings /> },
      { path: '/billing', element: <Billing /> },
      { path: '/account', element: <Account /> },
      { path: '/privacy', element: <Privacy /> },
      { path: '/team', element: <Team /> },
      { path: '/learners', element: <Learners /> },
      { path: '/learners/:userId', element: <Progress /> },
      { path: '/topics', element: <Topics /> },
      { path: '/learn/progress', element: <Progress /> },
      { path: '/learn/plans', element: <Plans /> },
      { path: '/learn/balance', element: <Balance /> },
      { path: '/learn/calls', element: <PracticeCalls /> },
      { path: '/learn/calls/:practiceCallId', element: <PracticeCallDetail /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <RouterProvider router={router} />
    </SessionProvider>
  </StrictMode>,
);
