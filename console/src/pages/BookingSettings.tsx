import type { FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Loading, Page, Problem, TableHead } from '../components';
import { useOutcome } from '../outcome';
import { useApi } from '../useApi';

type BusinessHours = components['schemas']['BusinessHours'];
const WEEK = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
] as const;

/** "09:00-12:00, 13:00-17:00" ⇄ ranges; the API checks the times and names the day it refuses. */
const hoursText = (ranges: { open: string; close: string }[] = []) => ranges.map((r) => `${r.open}-${r.close}`).join(', ');
const rangesOf = (text: string) =>
  text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [open = '', close = ''] = r.split(/\s*[-–]\s*/);
      return { open, close };
    });

/** What callers can book and when: services, weekly hours, closed days, and the connected calendar. */
export function BookingSettings() {
  const org = useApi(async () => ok(await api.GET('/organization')), []);
  const services = useApi(async () => ok(await api.GET('/services')), []);
  const closures = useApi(async () => ok(await api.GET('/closures')), []);
  const calendars = useApi(async () => ok(await api.GET('/calendar-connections')), []);
  const [params] = useSearchParams();
  const { error, notice, setError, act } = useOutcome(
    params.get('calendar') === 'connected' ? 'The calendar is connected: bookings go into it, and its busy times are not offered.' : undefined,
  );
  const returned = params.get('calendar') === 'failed' ? `The calendar was not connected: ${params.get('reason') ?? 'unknown reason'}` : undefined;

  async function addService(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = { name: String(data.get('name')), durationMinutes: Number(data.get('duration')), priceNote: String(data.get('price') ?? '') };
    if (await act(api.POST('/services', { body }), `${body.name} can be booked.`, services.reload)) form.reset();
  }
  async function saveHours(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const businessHours = Object.fromEntries(WEEK.map(([day]) => [day, rangesOf(String(data.get(day) ?? ''))])) as BusinessHours;
    await act(api.PATCH('/organization', { body: { businessHours } }), 'Opening hours saved.', org.reload);
  }
  async function addClosure(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const startsOn = String(data.get('startsOn'));
    const body = { startsOn, endsOn: String(data.get('endsOn') || startsOn), reason: String(data.get('reason') ?? '') };
    if (await act(api.POST('/closures', { body }), 'Closed on those days: no slot is offered.', closures.reload)) form.reset();
  }
  async function connect(provider: 'google' | 'microsoft') {
    const { data, error: failed } = await api.POST('/calendar-connections/{provider}/authorize', { params: { path: { provider } } });
    if (!data) return setError(problem(failed));
    window.location.assign(data.url); // the provider's consent page; it sends the browser back here
  }

  const connected = calendars.data?.data.filter((c) => c.status !== 'revoked') ?? [];
  return (
    <Page title="Services, hours and calendar">
      <Problem message={error ?? returned ?? org.error ?? services.error ?? closures.error ?? calendars.error} />
      {notice && <p role="status">{notice}</p>}

      <h2>Services</h2>
      {!services.data ? (
        <Loading what="services" />
      ) : services.data.data.length === 0 ? (
        <p>No service yet: add what callers can book.</p>
      ) : (
        <table>
          <TableHead columns={['Service', 'Length', 'Price', '']} />
          <tbody>
            {services.data.data.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.name}
                  {!s.active && ' (retired)'}
                </td>
                <td>{s.durationMinutes} min</td>
                <td>{s.priceNote || '—'}</td>
                <td>
                  <Button
                    variant="plain"
                    aria-label={`${s.active ? 'Retire' : 'Offer again'} ${s.name}`}
                    onPress={() => act(api.PATCH('/services/{serviceId}', { params: { path: { serviceId: s.id } }, body: { active: !s.active } }), s.active ? `${s.name} is no longer offered.` : `${s.name} is offered again.`, services.reload)}
                  >
                    {s.active ? 'Retire' : 'Offer again'}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={addService} aria-label="New service" className="inline-form">
        <div className="field">
          <label htmlFor="service-name">Name</label>
          <input id="service-name" name="name" required maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="service-duration">Minutes</label>
          <input id="service-duration" name="duration" type="number" min={5} max={1440} step={5} defaultValue={30} required />
        </div>
        <div className="field">
          <label htmlFor="service-price">Price (as callers are told)</label>
          <input id="service-price" name="price" maxLength={200} />
        </div>
        <Button type="submit">Add service</Button>
      </form>

      <h2>Opening hours</h2>
      {!org.data ? (
        <Loading what="opening hours" />
      ) : (
        <form onSubmit={saveHours} aria-label="Opening hours">
          <p>
            In {org.data.timeZone}, 24-hour times; several ranges are separated by commas (09:00-12:00, 13:00-17:00); empty is closed.
          </p>
          <div className="hours">
            {WEEK.map(([day, label]) => (
              <div className="field" key={day}>
                <label htmlFor={`hours-${day}`}>{label}</label>
                <input id={`hours-${day}`} name={day} defaultValue={hoursText(org.data!.businessHours[day])} placeholder="closed" />
              </div>
            ))}
          </div>
          <Button type="submit">Save hours</Button>
        </form>
      )}

      <h2>Closed days</h2>
      {closures.data && closures.data.data.length > 0 && (
        <ul className="cards">
          {closures.data.data.map((c) => (
            <li key={c.id} className="card">
              {c.startsOn === c.endsOn ? c.startsOn : `${c.startsOn} to ${c.endsOn}`}
              {c.reason && ` · ${c.reason}`}{' '}
              <Button variant="plain" aria-label={`Reopen ${c.startsOn}`} onPress={() => act(api.DELETE('/closures/{closureId}', { params: { path: { closureId: c.id } } }), 'Reopened.', closures.reload)}>
                Reopen
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={addClosure} aria-label="New closure" className="inline-form">
        <div className="field">
          <label htmlFor="closure-from">From</label>
          <input id="closure-from" name="startsOn" type="date" required />
        </div>
        <div className="field">
          <label htmlFor="closure-to">To (inclusive)</label>
          <input id="closure-to" name="endsOn" type="date" />
        </div>
        <div className="field">
          <label htmlFor="closure-reason">Reason</label>
          <input id="closure-reason" name="reason" maxLength={200} />
        </div>
        <Button type="submit">Close these days</Button>
      </form>

      <h2>Calendar</h2>
      {!calendars.data ? (
        <Loading what="calendar connections" />
      ) : connected.length === 0 ? (
        <p>Bookings go into Callgenly&rsquo;s own calendar. Connect Google or Microsoft to book into yours and keep its busy times free.</p>
      ) : (
        <ul className="cards">
          {connected.map((c) => (
            <li key={c.id} className="card">
              {c.provider === 'google' ? 'Google Calendar' : 'Microsoft Outlook'} · {c.status === 'active' ? 'connected' : `needs reconnecting (${c.lastError ?? 'the provider refused'})`}{' '}
              <Button variant="plain" onPress={() => act(api.DELETE('/calendar-connections/{connectionId}', { params: { path: { connectionId: c.id } } }), 'Disconnected: bookings go to the built-in calendar.', calendars.reload)}>
                Disconnect
              </Button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <Button variant="plain" onPress={() => void connect('google')}>
          Connect Google Calendar
        </Button>
        <Button variant="plain" onPress={() => void connect('microsoft')}>
          Connect Microsoft Outlook
        </Button>
      </div>
    </Page>
  );
}
