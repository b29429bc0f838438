import { rmSync } from 'node:fs';
import { dropDatabase } from '../../src/platform/db/embeddedPostgres';
import type { TestStackHandles } from './handles';

export default async function globalTeardown(): Promise<void> {
  const handles = (globalThis as { __callgenly?: TestStackHandles }).__callgenly;
  if (!handles) return;
  if (handles.dropDatabase) await dropDatabase(handles.dropDatabase.adminUrl, handles.dropDatabase.name).catch(() => undefined);
  for (const stop of handles.stops.reverse()) await stop().catch(() => undefined);
  rmSync(handles.scratch, { recursive: true, force: true });
}
