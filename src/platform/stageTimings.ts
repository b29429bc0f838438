/**
 * Where a call's time goes, stage by stage, for `npm run bench -- --profile` (README, "The call-turn
 * benchmark"). Off unless the bench turns it on: then each timed stage costs a boolean check. Stages are
 * one explicit list, so a typo is a type error and the bench prints them in the path's order.
 */
export const STAGES = [
  // The incoming call's webhook, in the order it runs.
  'answer: webhook in Express (arrival → answer sent)',
  'answer: form parsing + Twilio signature',
  'answer: organization lookup',
  'answer: prepaid balance',
  'answer: call row (sealed numbers + insert)',
  'answer: call workflow started (its first task not waited for)',
  'answer: TwiML',
  // A caller turn's webhook.
  'turn: webhook in Express (arrival → answer sent)',
  'turn: form parsing + Twilio signature',
  'turn: Update round trip (client → server → worker → back)',
  'turn: TwiML',
  // Inside the worker, on a turn's critical path.
  'worker: agentTurn local activity (whole)',
  'worker: agent context (organization, cached 30 s)',
  'worker: LLM request (fake LLM, fixed latency)',
  'worker: transcript lines stored (beside the LLM, not waited for)',
  // Both sides: the payload codec (per encode/decode call, client and worker).
  'codec: encode',
  'codec: decode',
] as const;

export type Stage = (typeof STAGES)[number];

class StageTimings {
  private on = false;
  private samples = new Map<Stage, number[]>();

  /** Starts recording (from empty). */
  start(): void {
    this.samples = new Map();
    this.on = true;
  }

  /** Stops recording and hands back what was recorded, by stage. */
  stop(): Map<Stage, number[]> {
    this.on = false;
    return this.samples;
  }

  get recording(): boolean {
    return this.on;
  }

  record(stage: Stage, ms: number): void {
    if (!this.on) return;
    let list = this.samples.get(stage);
    if (!list) this.samples.set(stage, (list = []));
    list.push(ms);
  }

  /** Runs `work`, recording how long it took (also when it fails) if recording. */
  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    if (!this.on) return work();
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.record(stage, performance.now() - started);
    }
  }

  timeSync<T>(stage: Stage, work: () => T): T {
    if (!this.on) return work();
    const started = performance.now();
    try {
      return work();
    } finally {
      this.record(stage, performance.now() - started);
    }
  }
}

/** One per process: the bench runs the API and the worker in one process, as `npm run dev` does. */
export const stageTimings = new StageTimings();
