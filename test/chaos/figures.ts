import { summarize } from '../../src/bench/stats';
import type { TurnRecord } from './callers';

/** A fault the run caused: when it began and when the piece was serving again (seconds since the start). */
export interface Fault {
  label: string;
  at: number;
  readyAt: number;
}

const WINDOW_S = 30;
const fmt = (ms: number) => (Number.isNaN(ms) ? '    –' : ms.toFixed(0).padStart(5));
const line = (turns: TurnRecord[]) => {
  const s = summarize(turns.map((t) => t.ms));
  return `${fmt(s.p50)} /${fmt(s.p99)} ms (n=${String(s.count).padEnd(4)})`;
};

/**
 * Turn latency (the caller's wait, through any holds) in the 30 s before each fault, while the piece was
 * down, and in the 30 s after it served again; and the recovery time: from the fault until the last turn
 * it slowed was answered. A slowed turn (over twice the p99 of the quiet time before the first fault, at
 * least 1 s, or ending in the apology) belongs to the latest fault that began before its answer.
 */
export function faultFigures(turns: TurnRecord[], faults: Fault[]): string[] {
  const between = (from: number, to: number) => turns.filter((t) => t.at >= from && t.at < to);
  const ordered = [...faults].sort((a, b) => a.at - b.at);
  const quiet = summarize(turns.filter((t) => t.at + t.ms / 1000 < (ordered[0]?.at ?? Infinity)).map((t) => t.ms));
  const threshold = Math.max(1000, 2 * (quiet.p99 || 0));
  const out = [`  quiet time before the first fault: p50 ${fmt(quiet.p50).trim()} ms, p99 ${fmt(quiet.p99).trim()} ms (n=${quiet.count}); a turn over ${(threshold / 1000).toFixed(1)} s counts as slowed`];
  out.push(`  ${'fault'.padEnd(30)}${'before p50/p99'.padEnd(30)}${'during p50/p99'.padEnd(30)}${'after p50/p99'.padEnd(30)}recovery`);
  for (const [i, fault] of ordered.entries()) {
    const before = between(fault.at - WINDOW_S, fault.at);
    const next = ordered[i + 1]?.at ?? Infinity;
    const end = (t: TurnRecord) => t.at + t.ms / 1000;
    const slowed = turns.filter((t) => (t.ms > threshold || !t.answered) && end(t) >= fault.at && end(t) < next);
    const recovery = slowed.reduce((latest, t) => Math.max(latest, end(t) - fault.at), 0);
    out.push(
      `  ${`${fault.label} @${fault.at.toFixed(0)}s`.padEnd(30)}${line(before).padEnd(30)}${line(between(fault.at, Math.max(fault.readyAt, fault.at + 1))).padEnd(30)}${line(between(fault.readyAt, fault.readyAt + WINDOW_S)).padEnd(30)}${recovery.toFixed(1)} s (down ${(fault.readyAt - fault.at).toFixed(1)} s, ${slowed.length} turns slowed)`,
    );
  }
  return out;
}

/** How many log lines contain each of `needles` (a person's number, a secret): the figures, never the lines. */
export function logLeaks(lines: string[], needles: Record<string, string>): Record<string, number> {
  const found: Record<string, number> = {};
  for (const text of lines) {
    for (const [what, needle] of Object.entries(needles)) {
      if (needle && text.includes(needle)) found[what] = (found[what] ?? 0) + 1;
    }
  }
  return found;
}
