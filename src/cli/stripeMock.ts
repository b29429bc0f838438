/**
 * `npm run stripe:mock`: makes sure stripe-mock is available (building the pinned release with Go when
 * needed) and prints its path. CI runs it before the tests so the build is not inside a test timeout.
 */
import { runEntryPoint } from '../platform/lifecycle';
import { resolveStripeMock } from '../platform/tools/stripeMock';

async function main(): Promise<void> {
  process.stdout.write(`${resolveStripeMock(process.env.STRIPE_MOCK, (line) => process.stderr.write(`${line}\n`))}\n`);
}

runEntryPoint(main);
