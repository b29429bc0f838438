/**
 * `npm run call -- [--to NUMBER] [--from NUMBER] ["utterance" ...]`: a phone call against a running
 * Callgenly (`npm run dev`), played the way Twilio plays it: signed webhooks, TwiML followed, the final
 * status callback. Utterances given on the command line are spoken in order; without any, type each
 * line (an empty line is silence). Ctrl-D hangs up.
 *
 * `npm run call -- --learner [--email E --password P] [...]`: the other way round. Signed in as the demo
 * learner (or the one named), it asks for a practice call now; the coach calls through the built-in
 * engine, the call reaches the dev phone line, and you answer it as the learner.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../platform/config';
import { DEMO_PHONE_NUMBER } from './seedDemoOrganization';
import { DEMO_LEARNER } from './seedDemoCoaching';
import { runEntryPoint } from '../platform/lifecycle';
import { SimulatedCall } from '../calls/simulator/simulatedCall';
import { devPhoneDir, placedCallsSince } from '../calls/simulator/devPhoneLine';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      to: { type: 'string', default: DEMO_PHONE_NUMBER },
      from: { type: 'string', default: '+14155550111' },
      target: { type: 'string' },
      learner: { type: 'boolean', default: false },
      email: { type: 'string', default: DEMO_LEARNER.email },
      password: { type: 'string', default: DEMO_LEARNER.password },
    },
  });
  const config = loadConfig(process.env);
  const target = values.target ?? `http://localhost:${config.http.port}`;
  const call = values.learner ? await beCalled(config, target, values.email, values.password) : await placeCall(config, target, values.from, values.to);
  if (!call) return;
  await converse(call, positionals, values.learner ? 'coach:  ' : 'agent:  ', values.learner ? 'you:    ' : 'you:    ');
  out(`Call ended. See it in the Temporal UI as call:${call.callSid}`);
}

async function placeCall(config: Config, target: string, from: string, to: string): Promise<SimulatedCall> {
  const call = new SimulatedCall({ target, publicBaseUrl: config.http.publicBaseUrl, authToken: config.twilio.authToken, accountSid: config.twilio.accountSid, from, to });
  out(`Calling ${to} from ${from} (${call.callSid})`);
  await call.dial();
  return call;
}

/** Signs in as the learner, asks for a practice call now, and answers it when it reaches the dev phone line. */
async function beCalled(config: Config, target: string, email: string, password: string): Promise<SimulatedCall | undefined> {
  const signIn = await fetch(`${target}/api/v1/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!signIn.ok) throw new Error(`signing in as ${email} failed: ${signIn.status} ${await signIn.text()}`);
  const session = (await signIn.json()) as { csrfToken: string; organization: { id: string } };
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const api = (path: string, method = 'GET') => fetch(`${target}/api/v1${path}`, { method, headers: { cookie, 'x-csrf-token': session.csrfToken } });
  const plans = (await (await api('/plans')).json()) as { data: Array<{ id: string; status: string }> };
  const plan = plans.data.find((p) => p.status === 'active');
  if (!plan) throw new Error(`${email} has no active plan: create or resume one first`);
  const since = new Date(Date.now() - 1000);
  const started = await api(`/plans/${plan.id}/call-now`, 'POST');
  if (started.status !== 202) throw new Error(`"call me now" answered ${started.status}: ${await started.text()}`);
  const { workflowId } = (await started.json()) as { workflowId: string };
  out(`Asked for a practice call now (${workflowId}); waiting for the coach to call...`);
  for (let waited = 0; waited < 30_000; waited += 500) {
    const [placed] = await placedCallsSince(devPhoneDir(config.dataDir), since);
    if (placed) {
      out(`Ringing: ${placed.from} is calling you at ${placed.to}. Answering.`);
      const url = new URL(placed.url);
      const call = new SimulatedCall({ target, publicBaseUrl: config.http.publicBaseUrl, authToken: config.twilio.authToken, accountSid: config.twilio.accountSid, from: placed.from, to: placed.to, callSid: placed.sid });
      await call.answer(url.pathname + url.search, 'human');
      return call;
    }
    const latest = (await (await api(`/practice-calls?planId=${plan.id}&limit=1`)).json()) as { data: Array<{ status: string; refusalReason: string | null; engine: string }> };
    const refused = latest.data[0];
    if (refused?.status === 'refused') {
      out(`The practice call was not placed: ${refused.refusalReason}.`);
      return undefined;
    }
    if (refused?.engine === 'vapi' && refused.status === 'in_progress') {
      out('The coach is calling through Vapi (VAPI_API_KEY is set): it rings the real phone, not this simulator.');
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('no call reached the dev phone line within 30 s (is `npm run dev` running without Twilio credentials?)');
}

async function converse(call: SimulatedCall, scripted: string[], them: string, you: string): Promise<void> {
  const show = (lines: string[]) => lines.forEach((line) => out(`${them}${line}`));
  show(call.lastSaid);
  const input = scripted.length === 0 ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  while (!call.ended) {
    if (call.dialing) {
      out(`(transferring to ${call.dialing}: answered)`);
      await call.dialResult('completed');
      break;
    }
    let utterance: string | undefined;
    if (input) {
      utterance = await input.question(you).catch(() => undefined);
      if (utterance === undefined) break; // Ctrl-D: hang up
    } else {
      utterance = scripted.shift();
      if (utterance === undefined) break;
      out(`${you}${utterance}`);
    }
    await (utterance.trim() ? call.say(utterance) : call.silence());
    show(call.lastSaid);
  }
  input?.close();
  await call.status('completed');
}

runEntryPoint(main);
