import { z } from 'zod';
import { count, milliseconds, optionalMilliseconds, setting } from '../platform/config/settings';

export const retention = {
  /** The sweep's schedule: `retention-sweep`, unless deployments share a Temporal namespace (tests). */
  scheduleId: setting(
    'RETENTION_SCHEDULE_ID',
    z.string().regex(/^retention-sweep(?:[_:-][\w:.-]{0,180})?$/, 'must be retention-sweep, or begin retention-sweep followed by _ : or - (letters, digits, _ : . -)').default('retention-sweep'),
  ),
  /** Unset: daily at 03:00 UTC. Short in tests. */
  intervalMs: setting('RETENTION_SWEEP_INTERVAL_MS', optionalMilliseconds(1_000)),
  /** Calls deleted per statement: big enough to be fast, small enough to keep locks short. */
  batchSize: setting('RETENTION_BATCH_SIZE', count(5_000, 1, 50_000)),
};

/** Account deletion: the grace period an owner can cancel in, and the promise to finish within 30 days. */
export const deletion = {
  graceMs: setting('DELETION_GRACE_MS', milliseconds(7 * 24 * 3600_000, 1_000)),
  deadlineMs: setting('DELETION_DEADLINE_MS', milliseconds(30 * 24 * 3600_000, 1_000)),
  alertBeforeMs: setting('DELETION_ALERT_BEFORE_MS', milliseconds(7 * 24 * 3600_000, 0)),
};

/** A data export's single-use download link lives this long; then the archive is dropped. */
export const exportLinks = {
  linkTtlMs: setting('EXPORT_LINK_TTL_MS', milliseconds(72 * 3600_000, 1_000)),
};
