import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ok, problem } from '../api/client';
import type { components } from '../api/schema';
import { Button, Loading, Page, Problem, WorkflowLink } from '../components';
import { addDays, after, before, dayLabel, localDateOf, mondayOf, timeIn, type LocalDate } from '../localTime';
import { useApi } from '../useApi';

type Appointment = components['schemas']['Appointment'];
type Service = components['schemas']['Service'];

/** Every appointment starting in [from, to): the API pages by booking time, so all pages are read. */
async function appointmentsBetween(from: string, to: string): Promise<Appointment[]> {
  const all: Appointment[] = [];
  let cursor: string | undefined;
  do {
    const page = ok(await api.GET('/appointments', { params: { query: { from, to, limit: 100, cursor } } }));
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && all.length < 1_000);
  return all;
}

/**
 * The week's appointments in the organization's time zone (Monday first), and by hand: booking an offered
 * slot, cancelling, moving to another slot. A slot someone else took meanwhile is refused by the booking
 * workflow, and its reason is shown.
 */
export function Appointments() {
  const org = useApi(async () => ok(await api.GET('/organization')), []);
  const services = useApi(async () => ok(await api.GET('/services')), []);
  const timeZone = org.data?.timeZone;
  const [week, setWeek] = useState<LocalDate>();
  const monday = week ?? (timeZone ? mondayOf(localDateOf(new Date(), timeZone)) : undefined);
  const days = monday ? Array.from({ length: 7 }, (_, i) => addDays(monday, i)) : [];
  const appointments = useApi(async () => (monday ? appointmentsBetween(before(monday), after(addDays(monday, 6))) : undefined), [monday]);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [moving, setMoving] = useState<Appointment>();
  // One key per attempt: a double click or a request retried after a lost answer is the same booking, not two.
  const [bookingKey, setBookingKey] = useState(() => crypto.randomUUID());
  const serviceName = (id: string) => services.data?.data.find((s) => s.id === id)?.name ?? 'a service';

  const [version, setVersion] = useState(0);

  /** After any attempt, the calendar and the free times are read again: a refusal means they changed. */
  async function act(result: Promise<{ data?: { start: string }; error?: unknown; response: Response }>, done: string) {
    const { data, error: failed, response } = await result;
    setVersion((v) => v + 1);
    appointments.reload();
    if (!response.ok) {
      setNotice(undefined);
      return setError(problem(failed)), false;
    }
    setError(undefined);
    setNotice(done);
    // Show the week the appointment is now in.
    if (data?.start && timeZone) setWeek(mondayOf(localDateOf(data.start, timeZone)));
    return true;
  }

  if (!timeZone || !monday || !services.data) return <Page title="Appointments">{org.error || services.error ? <Problem message={org.error ?? services.error} /> : <Loading what="the calendar" />}</Page>;
  const byDay = new Map<LocalDate, Appointment[]>(days.map((d) => [d, []]));
  for (const a of appointments.data ?? []) byDay.get(localDateOf(a.start, timeZone))?.push(a);
  const active = services.data.data.filter((s) => s.active);

  return (
    <Page
      title="Appointments"
      actions={
        <div className="actions" role="group" aria-label="Week">
          <Button variant="plain" onPress={() => setWeek(addDays(monday, -7))}>
            Previous week
          </Button>
          <Button variant="plain" onPress={() => setWeek(undefined)}>
            This week
          </Button>
          <Button variant="plain" onPress={() => setWeek(addDays(monday, 7))}>
            Next week
          </Button>
        </div>
      }
    >
      <p>
        Week of {dayLabel(monday)}, in {timeZone} (the business&rsquo;s time zone). <Link to="/settings/booking">Services, hours and closures</Link>
      </p>
      <Problem message={error ?? appointments.error} />
      {notice && <p role="status">{notice}</p>}
      {!appointments.data ? (
        <Loading what="appointments" />
      ) : (
        <div className="week">
          {days.map((d) => (
            <section key={d} className="day" aria-labelledby={`day-${d}`}>
              <h2 id={`day-${d}`}>{dayLabel(d)}</h2>
              {byDay.get(d)!.length === 0 ? (
                <p className="quiet">Nothing booked.</p>
              ) : (
                <ul className="slots">
                  {byDay
                    .get(d)!
                    .sort((a, b) => a.start.localeCompare(b.start))
                    .map((a) => (
                      <li key={a.id} className={`appointment ${a.status}`}>
                        <strong>
                          {timeIn(a.start, timeZone)}–{timeIn(a.end, timeZone)}
                        </strong>{' '}
                        {a.customerName ?? 'Unnamed'} · {serviceName(a.serviceId)} · {a.status}
                        {a.callId && (
                          <>
                            {' '}
                            · <Link to={`/calls/${a.callId}`}>booked on a call</Link>
                          </>
                        )}{' '}
                        <WorkflowLink url={a.workflowUrl} label="workflow" />
                        {(a.status === 'confirmed' || a.status === 'held') && (
                          <div className="actions">
                            <Button variant="plain" onPress={() => setMoving(a)} aria-label={`Move ${a.customerName ?? 'appointment'} at ${timeIn(a.start, timeZone)}`}>
                              Move
                            </Button>
                            <Button variant="plain" onPress={() => act(api.POST('/appointments/{appointmentId}/cancel', { params: { path: { appointmentId: a.id } }, body: {} }), 'Cancelled; the customer is texted.')} aria-label={`Cancel ${a.customerName ?? 'appointment'} at ${timeIn(a.start, timeZone)}`}>
                              Cancel
                            </Button>
                          </div>
                        )}
                      </li>
                    ))}
                </ul>
              )}
            </section>
          ))}
        </div>
      )}
      {moving ? (
        <SlotForm
          key={moving.id}
          title={`Move ${moving.customerName ?? 'the appointment'}`}
          services={active.filter((s) => s.id === moving.serviceId)}
          timeZone={timeZone}
          submit="Move"
          version={version}
          onCancel={() => setMoving(undefined)}
          onSubmit={async ({ start }) => (await act(api.POST('/appointments/{appointmentId}/reschedule', { params: { path: { appointmentId: moving.id } }, body: { start } }), 'Moved; the customer is texted.')) && setMoving(undefined)}
        />
      ) : active.length === 0 ? (
        <p>
          There is no service to book yet: <Link to="/settings/booking">add one</Link>.
        </p>
      ) : (
        <SlotForm
          title="Book by hand"
          services={active}
          timeZone={timeZone}
          submit="Book"
          version={version}
          withCustomer
          onSubmit={async ({ serviceId, start, customerName, customerPhone }) => {
            await act(api.POST('/appointments', { headers: { 'Idempotency-Key': bookingKey }, body: { serviceId, start, customerName: customerName!, customerPhone: customerPhone! } }), 'Booked; the customer is texted a confirmation.');
            // Answered either way (booked, or refused for good under this key): the next attempt is a new booking.
            setBookingKey(crypto.randomUUID());
          }}
        />
      )}
    </Page>
  );
}

type Chosen = { serviceId: string; start: string; customerName?: string; customerPhone?: string };

/** Choose a service and a day, then one of the slots the booking rules offer on it (and the customer, to book). */
function SlotForm(props: { title: string; services: Service[]; timeZone: string; submit: string; version: number; withCustomer?: boolean; onSubmit: (chosen: Chosen) => unknown; onCancel?: () => void }) {
  const [serviceId, setServiceId] = useState(props.services[0]?.id ?? '');
  const [day, setDay] = useState<LocalDate>(() => localDateOf(new Date(), props.timeZone));
  const key = `${serviceId}|${day}|${props.version}`;
  const loaded = useApi(
    async () => ({
      key,
      slots: serviceId && day ? ok(await api.GET('/availability', { params: { query: { serviceId, from: new Date(Math.max(Date.now(), Date.parse(before(day)))).toISOString(), to: after(day) } } })).slots.filter((s) => s.local.startsWith(day)) : [],
    }),
    [serviceId, day, props.version],
  );
  // The last day's times stay loaded until this day's come: never offer them, or a time picked meanwhile
  // would silently become another when the list changes under it.
  const slots = { data: loaded.data?.key === key ? loaded.data.slots : undefined, error: loaded.error };
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await props.onSubmit({ serviceId, start: String(form.get('start')), customerName: form.get('customerName')?.toString(), customerPhone: form.get('customerPhone')?.toString() });
  }
  return (
    <form onSubmit={submit} aria-labelledby="slot-form-title" className="card">
      <h2 id="slot-form-title">{props.title}</h2>
      <div className="field">
        <label htmlFor="slot-service">Service</label>
        <select id="slot-service" value={serviceId} onChange={(e) => setServiceId(e.target.value)}>
          {props.services.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.durationMinutes} min)
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="slot-day">Day</label>
        <input id="slot-day" type="date" value={day} onChange={(e) => e.target.value && setDay(e.target.value)} />
      </div>
      <Problem message={slots.error} />
      {!slots.data ? (
        <Loading what="free times" />
      ) : slots.data.length === 0 ? (
        <p>No free time on this day (closed, fully booked, or too soon).</p>
      ) : (
        <div className="field">
          <label htmlFor="slot-start">Time</label>
          <select id="slot-start" name="start" required>
            {slots.data.map((s) => (
              <option key={s.start} value={s.start}>
                {timeIn(s.start, props.timeZone)}
              </option>
            ))}
          </select>
        </div>
      )}
      {props.withCustomer && (
        <>
          <div className="field">
            <label htmlFor="slot-name">Customer&rsquo;s name</label>
            <input id="slot-name" name="customerName" required maxLength={200} autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="slot-phone">Customer&rsquo;s phone</label>
            <input id="slot-phone" name="customerPhone" type="tel" required autoComplete="off" />
          </div>
        </>
      )}
      <div className="actions">
        <Button type="submit" isDisabled={!slots.data?.length}>
          {props.submit}
        </Button>
        {props.onCancel && (
          <Button variant="plain" onPress={props.onCancel}>
            Keep it
          </Button>
        )}
      </div>
    </form>
  );
}
