/**
 * `npm run temporal:cli`: makes sure a Temporal CLI is available (building the pinned release with Go when
 * needed) and prints its path. CI runs it before the tests so the build is not inside a test timeout.
 */
import { runEntryPoint } from '../platform/lifecycle';
import { resolveTemporalCli } from '../platform/temporal/cliBinary';

async function main(): Promise<void> {
  const { executable, source } = resolveTemporalCli(process.env.TEMPORAL_CLI, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(executable.type === 'existing-path' ? `${executable.path}\n` : `(${source})\n`);
}

runEntryPoint(main);
