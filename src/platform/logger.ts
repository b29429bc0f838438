import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; the request id and other bindings come from child loggers. */
export function createLogger(level: string, name = 'callgenly'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-twilio-signature"]'], remove: true },
  });
}
