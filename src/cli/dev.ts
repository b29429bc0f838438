/**
 * `npm run dev`: the whole platform on its embedded defaults, in one process tree. PostgreSQL (embedded
 * unless DATABASE_URL is set), the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS is set),
 * migrations, the demo clinic and the demo coaching school, a local mailbox for email (unless SMTP_URL is set), a
 * local phone line for the calls and texts the platform places (unless Twilio is configured), the worker and the API. State lives in DATA_DIR (.data/), so a
 * second run keeps it. Ctrl-C stops everything.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEMO_OWNER, DEMO_PHONE_NUMBER, seedDemoOrganization } from './seedDemoOrganization';
import { startEmbeddedPostgres } from '../platform/db/embeddedPostgres';
import { migrateLatest } from '../platform/db/migrate';
import { loadConfig, type Config } from '../platform/config';
import { onShutdownSignal, runEntryPoint } from '../platform/lifecycle';
import { createLogger } from '../platform/logger';
import { startApi } from '../server';
import { consoleDevServer } from '../platform/http/console';
import { createServices } from '../services';
import { resolveTemporalCli } from '../platform/temporal/cliBinary';
import { startDevServer } from '../platform/temporal/devServer';
import { resolveTemporalUi, startTemporalUi } from '../platform/temporal/uiServer';
import { installTemporalRuntime } from '../platform/temporal/runtime';
import { startWorker } from '../worker';
import { REGISTRY } from '../domains';
import { devMailDir, startDevMailbox } from '../notifications/devMailbox';
import { scheduleUsageReport } from '../notifications/schedules';
import { startBillingCycle } from '../billing/cycle';
import { devPhoneDir, startDevPhoneLine } from '../calls/simulator/devPhoneLine';
import { DEMO_LEARNER, seedDemoCoaching } from './seedDemoCoaching';

async function main(): Promise<void> {
  const startedAt = Date.now();
  let config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'callgenly-dev');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  installTemporalRuntime(logger);
  mkdirSync(config.dataDir, { recursive: true });
  const teardown: Array<() => Promise<void>> = [];

  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    say(`Starting embedded PostgreSQL on port ${config.database.embeddedPort} (data in ${config.dataDir})...`);
    const pg = await startEmbeddedPostgres({
      dir: config.dataDir,
      port: config.database.embeddedPort,
      database: 'callgenly',
      persistent: true,
      onLog: (line) => logger.debug({ component: 'postgres' }, line),
    });
    teardown.push(() => withTimeout(pg.stop(), 10_000));
    databaseUrl = pg.url;
  }

  let temporalAddress = config.temporal.address;
  let uiUrl: string | undefined;
  if (!temporalAddress) {
    const cli = resolveTemporalCli(config.temporal.cliPath, say);
    // Encrypted payloads (HIPAA organizations) are read in the UI through the API's codec endpoint, with the
    // signed-in person's session: only the standalone UI server can be told to send it (includeCredentials).
    const codecEndpoint = `${config.http.publicBaseUrl}/codec`;
    const uiServer = resolveTemporalUi(config.temporal.uiServerPath, say);
    say(`Starting the Temporal dev server (${cli.source}) on port ${config.temporal.devPort}, UI on ${config.temporal.uiPort}...`);
    const server = await startDevServer({
      searchAttributes: REGISTRY.searchAttributes,
      cli,
      namespace: config.temporal.namespace,
      port: config.temporal.devPort,
      dbFilename: path.join(config.dataDir, 'temporal.sqlite'),
      ...(uiServer ? {} : { uiPort: config.temporal.uiPort, uiCodecEndpoint: codecEndpoint }),
    });
    teardown.push(() => withTimeout(server.stop(), 10_000));
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
    if (uiServer) {
      const ui = await startTemporalUi({ binary: uiServer, temporalAddress, port: config.temporal.uiPort, namespace: config.temporal.namespace, codecEndpoint });
      teardown.push(() => ui.stop());
      uiUrl = ui.url;
    } else {
      say('No Temporal UI server (no Go toolchain): the dev server\'s own UI cannot send your session to the codec server, so HIPAA payloads stay sealed there.');
    }
  }

  let smtpUrl = config.notifications.smtpUrl;
  if (!smtpUrl) {
    const mailbox = await startDevMailbox({ dir: devMailDir(config.dataDir), port: config.notifications.devSmtpPort });
    teardown.push(() => mailbox.stop());
    smtpUrl = mailbox.url;
  }

  // No Twilio account: calls the platform places (the coach) and texts it sends reach the dev phone line.
  let twilioApiBaseUrl = config.twilio.apiBaseUrl;
  if (!twilioApiBaseUrl && !config.twilio.authTokenSet) {
    const line = await startDevPhoneLine({ dir: devPhoneDir(config.dataDir), port: 0 });
    teardown.push(() => line.stop());
    twilioApiBaseUrl = line.url;
  }

  config = withServices(config, databaseUrl, temporalAddress, smtpUrl, twilioApiBaseUrl, uiUrl);
  const services = await createServices(config, logger);
  const applied = await migrateLatest(services.db);
  if (applied.length > 0) say(`Applied ${applied.length} migration(s).`);
  const demo = await seedDemoOrganization(services.db, services.keyring, config.auth.bcryptCost);
  await scheduleUsageReport(services, { id: demo.org.id, timeZone: demo.org.time_zone });
  await startBillingCycle(services, demo.org.id);
  const coaching = await seedDemoCoaching(services);
  const worker = await startWorker(services);
  // The console from its sources, with hot reload, on the API's origin.
  const consoleDev = await consoleDevServer();
  teardown.push(() => consoleDev.close());
  const http = await startApi(services, consoleDev.handler);

  onShutdownSignal(logger, async () => {
    await http.close(config.shutdownGraceMs);
    await worker.stop();
    await services.close();
    for (const stop of teardown.reverse()) await stop().catch(() => undefined);
  });

  say('');
  say(`Callgenly is ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  say(`  Console      ${http.url}/  sign in as ${DEMO_OWNER.email} / "${DEMO_OWNER.password}" (the clinic's owner)`);
  say(`               or ${DEMO_LEARNER.email} / "${DEMO_LEARNER.password}" (a learner of the coaching school)`);
  say(`  API          ${http.url}/api/v1  (health: ${http.url}/readyz)`);
  if (uiUrl) {
    say(`  Temporal UI  ${uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
    say(`               filter one organization with: OrgId="${demo.org.id}"`);
  }
  say(`  Demo         ${demo.org.name} (${demo.org.id}), phone ${DEMO_PHONE_NUMBER}${demo.created ? ', just created' : ''}`);
  say(`  Try a call   npm run call -- "Do you take insurance?" "Can I leave a message for Dr. Lee?"`);
  say(`               (or point a Twilio number's voice webhook at ${config.http.publicBaseUrl}/twilio/voice/incoming)`);
  if (!config.llm.apiKey) say('               OPENAI_API_KEY is not set: the agent takes the scripted message path.');
  say(`  Coaching     Speak Up English (${coaching.orgId}): learner ${DEMO_LEARNER.email} / "${DEMO_LEARNER.password}", a plan Mon/Wed/Fri 18:30 ${coaching.timeZone}`);
  say(`  Be called    npm run call -- --learner   (the coach calls the demo learner now; you answer)`);
  if (!config.llm.apiKey && !config.vapi) say('               OPENAI_API_KEY is not set: the coach can greet you and say goodbye, not hold a conversation.');
  if (!process.env.SMTP_URL) say(`  Email        every email lands in the local mailbox: ${http.url}/dev/mail or npm run mail`);
  say('  Ctrl-C stops everything; data stays in ' + config.dataDir);
}

function withServices(config: Config, databaseUrl: string, temporalAddress: string, smtpUrl: string, twilioApiBaseUrl: string | undefined, uiUrl: string | undefined): Config {
  return {
    ...config,
    twilio: { ...config.twilio, apiBaseUrl: twilioApiBaseUrl },
    database: { ...config.database, url: databaseUrl },
    temporal: { ...config.temporal, address: temporalAddress, uiUrl: config.temporal.uiUrl ?? uiUrl },
    notifications: { ...config.notifications, smtpUrl },
  };
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  // A child that already exited on the terminal's SIGINT never reports its exit again.
  return Promise.race([p, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}

runEntryPoint(main);
