import { api } from './api/client';
import { Button } from './components';

type Act = (result: Promise<{ error?: unknown; response: Response }>, done: string, reload?: () => void) => Promise<boolean>;

/**
 * Adults only: an admin reports someone under the organization's minimum age (the team page for staff, the
 * learners page for learners). After a confirmation they lose access at once and are erased by a workflow.
 */
export function ReportUnderAge({ userId, name, act, reload }: { userId: string; name: string; act: Act; reload?: () => void }) {
  function report() {
    if (!window.confirm(`Report ${name} as under this organization's minimum age? They lose access now and everything about them is erased, with no grace period.`)) return;
    void act(api.POST('/members/{userId}/minor-report', { params: { path: { userId } } }), `${name} no longer has access; their data is being erased.`, reload);
  }
  return (
    <Button variant="plain" aria-label={`Report ${name} as under age`} onPress={report}>
      Under age
    </Button>
  );
}
