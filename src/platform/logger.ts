import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout (or `destination`); the request id and other bindings come from child loggers. */
export function createLogger(level: string, name = 'callgenly', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-twilio-signature"]'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
