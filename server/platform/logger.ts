import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
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
  // pg puts the whole client on errors its pool emits: connection settings (a password among them) and buffers.
  'err.client',
];

/**
 * JSON lines on stdout (what containers and log collectors want), or readable lines when `format`
 * is `pretty`, or `auto` on a terminal; or on `destination` (tests read what was logged).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, format: 'auto' | 'pretty' | 'json' = 'json'): Logger {
  const readable = destination === undefined && (format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true));
  // pino-pretty as a stream in this thread, not a transport: no worker thread for a terminal.
  const target = readable ? pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }) : destination;
  return pino({ level, redact: { paths: REDACTED, censor: '[redacted]' } }, target);
}
