import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The project's root folder. */
export const ROOT = path.join(__dirname, '../..');

/** Every TypeScript file below `layer` (a top-level folder such as `src`), as absolute paths. */
export function sourceFiles(layer: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return walk(full);
      return name.endsWith('.ts') ? [full] : [];
    });
  return walk(path.join(ROOT, layer));
}
