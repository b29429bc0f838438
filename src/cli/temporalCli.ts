/**
 * `npm run temporal:cli`: makes sure the Temporal CLI and the Temporal UI server are available (building the
 * pinned releases with Go when needed) and prints their paths. CI runs it before the tests so the builds are
 * not inside a test timeout.
 */
import { runEntryPoint } from '../platform/lifecycle';
import { resolveTemporalCli } from '../platform/temporal/cliBinary';
import { resolveTemporalUi } from '../platform/temporal/uiServer';

async function main(): Promise<void> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const { executable, source } = resolveTemporalCli(process.env.TEMPORAL_CLI, say);
  process.stdout.write(executable.type === 'existing-path' ? `${executable.path}\n` : `(${source})\n`);
  const ui = resolveTemporalUi(process.env.TEMPORAL_UI_SERVER, say);
  process.stdout.write(ui ? `${ui}\n` : '(no Temporal UI server: no Go toolchain)\n');
}

runEntryPoint(main);
