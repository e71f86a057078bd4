import { pino, type DestinationStream, type Logger } from 'pino';
export type { Logger };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Paths whose values never reach a log line, whatever logs them. */
const REDACTED = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  // TypeORM query errors carry the statement's parameters: user data, hashes, prediction inputs.
  'err.parameters',
  'err.driverError.parameters',
];

/** JSON lines on stdout, or on `destination` (tests read what was logged). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED, censor: '[redacted]' } }, destination);
}
