/**
 * `npm run call -- [--to NUMBER] [--from NUMBER] ["utterance" ...]`: a phone call against a running
 * Callgenly (`npm run dev`), played the way Twilio plays it: signed webhooks, TwiML followed, the final
 * status callback. Utterances given on the command line are spoken in order; without any, type each
 * line (an empty line is silence). Ctrl-D hangs up.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { DEMO_PHONE_NUMBER } from './seedDemoOrganization';
import { runEntryPoint } from '../platform/lifecycle';
import { SimulatedCall } from '../calls/simulator/simulatedCall';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      to: { type: 'string', default: DEMO_PHONE_NUMBER },
      from: { type: 'string', default: '+14155550111' },
      target: { type: 'string' },
    },
  });
  const config = loadConfig(process.env);
  const call = new SimulatedCall({
    target: values.target ?? `http://localhost:${config.http.port}`,
    publicBaseUrl: config.http.publicBaseUrl,
    authToken: config.twilio.authToken,
    accountSid: config.twilio.accountSid,
    from: values.from,
    to: values.to,
  });
  const show = (who: string, lines: string[]) => lines.forEach((line) => process.stdout.write(`${who} ${line}\n`));
  process.stdout.write(`Calling ${values.to} from ${values.from} (${call.callSid})\n`);
  await call.dial();
  show('agent: ', call.lastSaid);

  const scripted = [...positionals];
  const input = scripted.length === 0 ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  while (!call.ended) {
    if (call.dialing) {
      process.stdout.write(`(transferring to ${call.dialing}: answered)\n`);
      await call.dialResult('completed');
      break;
    }
    let utterance: string | undefined;
    if (input) {
      utterance = await input.question('you:    ').catch(() => undefined);
      if (utterance === undefined) break; // Ctrl-D: the caller hangs up
    } else {
      utterance = scripted.shift();
      if (utterance === undefined) break;
      process.stdout.write(`you:    ${utterance}\n`);
    }
    await (utterance.trim() ? call.say(utterance) : call.silence());
    show('agent: ', call.lastSaid);
  }
  input?.close();
  await call.status('completed');
  process.stdout.write(`Call ended. See it in the Temporal UI as call:${call.callSid}\n`);
}

runEntryPoint(main);
