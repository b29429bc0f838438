import type { Domain } from '../platform/domainContract';
import { learnerRoutes } from './api/learners';
import { topicRoutes } from './api/topics';
import { coachingExport } from './exportSection';

/**
 * The English coach: learners of a coaching organization, their consent to be called, and (to come) their
 * topics, call plans and practice calls. Built on the README's "Adding a domain".
 */
export const coachingDomain: Domain<never, never> = {
  name: 'coaching',
  workflows: [],
  routes: [...learnerRoutes, ...topicRoutes],
  tables: [
    // Before memberships (order 150): a learner's profile goes with the organization's people.
    { table: 'learners', onDeletion: 'erase', order: 145, retention: 'account' },
    { table: 'coach_topics', onDeletion: 'erase', order: 146, retention: 'account' },
    { table: 'coach_consents', onDeletion: 'keep', why: 'evidence of consent to be called (TCPA): who agreed to which words, for which number, and when it was withdrawn', retention: 'consent-evidence' },
  ],
  reads: ['organizations', 'users'],
  exports: [coachingExport],
};
