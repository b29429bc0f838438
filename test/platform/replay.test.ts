import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../../src/platform/logger';
import { installTemporalRuntime } from '../../src/platform/temporal/runtime';
import { stack } from '../helpers/stack';

installTemporalRuntime(createLogger('warn'));

/**
 * Determinism guard: every recorded history in test/histories must replay against today's workflow code.
 * A change that would break running workflows fails here. Re-record with RECORD_HISTORIES=1 npm test
 * only when the change is meant to be incompatible (and versioned with patching).
 */
const dir = path.join(__dirname, '../histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: stack.workflowBundle() }, history, `replay-${file}`);
});
