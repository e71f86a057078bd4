import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config';

export type { Logger };

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
];

export function createLogger(level: LogLevel): Logger {
  return pino({ level, redact: { paths: REDACTED, censor: '[redacted]' } });
}
