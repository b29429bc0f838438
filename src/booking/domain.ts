import { createBookingActivities } from '../../activities/booking/booking';
import { BookingStatus } from '../../workflows/booking/definitions';
import type { Domain } from '../platform/domainContract';
import { idPattern } from '../platform/registration';
import type { ActivityDeps, AppDeps } from '../deps';
import { bookingRoutes } from './api/booking';
import { calendarConnectionRoutes } from './api/calendarConnections';
import { bookingExport } from './exportSection';

/** Services, availability, appointments (one workflow each), calendar connections and reminders. */
export const bookingDomain: Domain<ActivityDeps, AppDeps> = {
  name: 'booking',
  workflows: [{ type: 'bookingWorkflow', id: idPattern('booking'), owner: { kind: 'row', table: 'appointments', column: 'id' } }],
  activities: (deps) => [createBookingActivities(deps)],
  routes: [...bookingRoutes, ...calendarConnectionRoutes],
  searchAttributes: [BookingStatus],
  tables: [
    { table: 'appointment_texts', onDeletion: 'erase', order: 10, retention: 'account' },
    { table: 'appointments', onDeletion: 'erase', order: 20, retention: 'account' },
    { table: 'closures', onDeletion: 'erase', order: 30, retention: 'account' },
    { table: 'services', onDeletion: 'erase', order: 60, retention: 'account' },
    { table: 'calendar_connections', onDeletion: 'erase', order: 70, retention: 'account' },
    { table: 'oauth_states', onDeletion: 'erase', order: 120, retention: 'account' },
  ],
  exports: [bookingExport],
  processors: [
    { name: 'Google Calendar', role: 'the organization’s calendar, when connected', data: ['appointment times', 'customer names on appointments'], location: 'United States', when: 'an organization connects a Google calendar' },
    { name: 'Microsoft Graph', role: 'the organization’s calendar, when connected', data: ['appointment times', 'customer names on appointments'], location: 'United States and the EU', when: 'an organization connects a Microsoft calendar' },
  ],
  reads: ['organizations', 'audit_log', 'phone_numbers'],
  notificationKinds: ['calendar.connection_broken'],
};
