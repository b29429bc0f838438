/** `npm run mail [-- <count>]`: prints the newest messages `npm run dev` caught in its local mailbox. */
import { loadConfig } from '../platform/config';
import { runEntryPoint } from '../platform/lifecycle';
import { devMailDir, listDevMail, type DevMail } from '../notifications/devMailbox';

const DEFAULT_COUNT = 10;
const PREVIEW_LINES = 8;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const dir = devMailDir(config.dataDir);
  const count = Number.parseInt(process.argv[2] ?? '', 10);
  const messages = await listDevMail(dir, count > 0 ? count : DEFAULT_COUNT);
  if (!messages.length) {
    process.stdout.write(`No mail in ${dir} yet.\n`);
    return;
  }
  process.stdout.write(messages.map(format).join('\n'));
}

function format(mail: DevMail): string {
  const lines = mail.text.trim().split(/\r?\n/);
  const preview = lines.slice(0, PREVIEW_LINES);
  if (lines.length > PREVIEW_LINES) preview.push('…');
  return [
    `${mail.date}  ${mail.from} → ${mail.to}`,
    `Subject: ${mail.subject}`,
    ...preview.map((line) => `  ${line}`),
    `  (${mail.file})`,
    '',
  ].join('\n');
}

runEntryPoint(main);
