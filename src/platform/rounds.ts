/**
 * Coalesces concurrent requests per key into rounds: one round at a time per key; what arrives while a
 * round runs waits for the next one, which takes all of it (up to `maxPerRound`) at once. A lone request
 * starts its round at once (no timer, no added latency); under load one round serves many requests, so a
 * fixed cost per round (a transaction, a provider round trip) is paid once for all of them.
 * `run` answers each input in order, with a result or an Error for that input alone; if it throws, every
 * input of the round gets that error.
 */
export function inRounds<I, O>(run: (key: string, inputs: I[]) => Promise<Array<O | Error>>, maxPerRound: number): (key: string, input: I) => Promise<O> {
  interface Waiting {
    input: I;
    resolve(output: O): void;
    reject(error: unknown): void;
  }
  const queues = new Map<string, Waiting[]>();

  async function drain(key: string): Promise<void> {
    for (let queue = queues.get(key)!; queue.length > 0; queue = queues.get(key)!) {
      const round = queue.splice(0, maxPerRound);
      try {
        const results = await run(key, round.map((w) => w.input));
        round.forEach((w, i) => {
          const result = results[i];
          if (result instanceof Error) w.reject(result);
          else w.resolve(result as O);
        });
      } catch (error) {
        for (const w of round) w.reject(error);
      }
    }
    queues.delete(key);
  }

  return (key, input) =>
    new Promise<O>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) return void queue.push({ input, resolve, reject });
      queues.set(key, [{ input, resolve, reject }]);
      void drain(key);
    });
}
