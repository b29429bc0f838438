import { condition } from '@temporalio/workflow';
import type { ConversationEntry } from '../../activities/calls/agent';
import type { TranscriptLines } from '../../activities/calls/transcriptRows';

type Line = TranscriptLines['turns'][number];

/**
 * The conversation as the agent sees it, and the transcript as it is stored. Lines said since the last
 * agent turn travel with the next one, whose local activity stores them while the model thinks; what no
 * agent turn will carry (scripted turns, the last answer) is stored by `storeLeftovers`. Mid-call, a turn
 * then costs one workflow task and no activity.
 */
export class Transcript {
  /** Everything said, in order: what the agent is given. */
  readonly history: ConversationEntry[] = [];
  private nextSeq = 1;
  /** Lines said but not stored yet. */
  private readonly unwritten: Line[] = [];

  constructor(private readonly call: { orgId: string; callId: string }) {}

  add(role: ConversationEntry['role'], text: string): void {
    this.history.push({ role, text });
    this.unwritten.push({ seq: this.nextSeq++, role, text, at: new Date().toISOString() });
  }

  /** The lines the next agent turn stores, if any. */
  carried(): TranscriptLines | undefined {
    return this.unwritten.length ? { ...this.call, turns: this.unwritten.slice() } : undefined;
  }

  /** The agent turn stored what it carried. */
  stored(lines: TranscriptLines): void {
    const done = new Set(lines.turns.map((line) => line.seq));
    this.unwritten.splice(0, this.unwritten.length, ...this.unwritten.filter((line) => !done.has(line.seq)));
  }

  /**
   * Stores, in order, the lines no agent turn will carry: whenever some wait while `idle()` says no turn is
   * running (and the agent is not about to carry them), and all that is left once `closing()`.
   */
  async storeLeftovers(store: (lines: TranscriptLines) => Promise<void>, when: { recorded: () => boolean; idle: () => boolean; closing: () => boolean }): Promise<void> {
    await condition(when.recorded);
    for (;;) {
      await condition(() => when.closing() || (this.unwritten.length > 0 && when.idle()));
      if (this.unwritten.length === 0) return;
      await store({ ...this.call, turns: this.unwritten.splice(0) });
    }
  }
}
