/**
 * The benchmark's outside world, in its own process: the callers (playing Twilio) and the fixed-latency
 * LLM. In production both are other machines; here they must at least not share an event loop with the
 * API and worker being measured. Driven by the bench over IPC.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { startFixedLatencyLlm } from './fakeLlm';
import { SimulatedCall } from '../calls/simulator/simulatedCall';

export interface CallerSettings {
  publicBaseUrl: string;
  authToken: string;
  accountSid: string;
  number: string;
}

export interface PlayRequest {
  target: string;
  calls: number;
  turns: number;
  paced: boolean;
}

export interface Run {
  answers: number[];
  turns: number[];
  seconds: number;
}

export type CallerMessage = { type: 'ready'; llmBaseUrl: string } | { type: 'played'; run: Run } | { type: 'failed'; error: string };

/** How long a caller pauses before each turn (ms). */
export const PAUSE_MS: [number, number] = [1500, 4500];

/** Plays `calls` callers at once, each taking `turns` turns, with a caller-like pause before each when paced. */
async function playCalls(settings: CallerSettings, request: PlayRequest): Promise<Run> {
  const answers: number[] = [];
  const turnTimes: number[] = [];
  const pause = (min: number, max: number) => new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
  const started = Date.now();
  await Promise.all(
    Array.from({ length: request.calls }, async (_, i) => {
      if (request.paced) await pause(0, 3000); // callers do not all ring in the same millisecond
      const call = new SimulatedCall({
        target: request.target,
        publicBaseUrl: settings.publicBaseUrl,
        authToken: settings.authToken,
        accountSid: settings.accountSid,
        from: `+1415555${String(1000 + i).slice(-4)}`,
        to: settings.number,
      });
      let t = performance.now();
      await call.dial();
      answers.push(performance.now() - t);
      for (let turn = 0; turn < request.turns; turn++) {
        if (request.paced) await pause(...PAUSE_MS);
        t = performance.now();
        await call.say(`I would like to ask about appointment number ${turn + 1}.`);
        turnTimes.push(performance.now() - t);
      }
      await call.status('completed', 60);
    }),
  );
  return { answers, turns: turnTimes, seconds: (Date.now() - started) / 1000 };
}

/** Starts the callers' process (callers and fake LLM) and returns a function that plays a round through it. */
export async function startCallers(settings: CallerSettings & { llmLatencyMs: number }) {
  const child = fork(__filename, [], {
    execArgv: path.extname(__filename) === '.ts' ? ['--import', 'tsx'] : [],
    env: { ...process.env, BENCH_CALLER_SETTINGS: JSON.stringify(settings) },
  });
  const next = () =>
    new Promise<CallerMessage>((resolve, reject) => {
      child.once('message', (message) => resolve(message as CallerMessage));
      child.once('exit', (code) => reject(new Error(`the callers' process exited (${code})`)));
    });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error('the callers\' process did not start');
  return {
    llmBaseUrl: ready.llmBaseUrl,
    async play(request: PlayRequest): Promise<Run> {
      const answer = next();
      child.send(request);
      const message = await answer;
      if (message.type !== 'played') throw new Error(message.type === 'failed' ? message.error : 'unexpected message');
      return message.run;
    },
    stop: async () => {
      child.disconnect();
    },
  };
}

async function serve(): Promise<void> {
  const send = (message: CallerMessage) => process.send!(message);
  const settings = JSON.parse(process.env.BENCH_CALLER_SETTINGS ?? '{}') as CallerSettings & { llmLatencyMs: number };
  const llm = await startFixedLatencyLlm(settings.llmLatencyMs);
  process.on('message', (request: PlayRequest) => {
    playCalls(settings, request).then(
      (run) => send({ type: 'played', run }),
      (error: Error) => send({ type: 'failed', error: error.stack ?? String(error) }),
    );
  });
  process.on('disconnect', () => void llm.close().then(() => process.exit(0)));
  send({ type: 'ready', llmBaseUrl: llm.baseUrl });
}

if (require.main === module) void serve();
