import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../platform/errors';
import { systemClock, type Clock } from './clock';

/** How a kind of key is throttled. */
export interface ThrottleRule {
  /** Failures (within `windowMs`) after which the key is locked: the next attempt waits. */
  freeFailures: number;
  /** The lock after the `freeFailures`-th failure; doubles with each further one. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten after this long without an attempt. */
  windowMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = { freeFailures: 5, firstDelayMs: 1000, maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 };
/** Looser: an office or a mobile network puts many people behind one address. */
export const ADDRESS_RULE: ThrottleRule = { freeFailures: 20, firstDelayMs: 1000, maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 };

interface Row {
  key: string;
  failures: number;
  last_attempt_at: Date;
  locked_until: Date | null;
}

/** What `attempt` hands back: call `succeeded()` after a right password, nothing after a wrong one. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
}

export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('RATE_LIMITED', `Too many failed sign-ins; try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`, { retryAfterSeconds });

/**
 * Login throttling per account and per client address, in PostgreSQL so that every replica counts
 * the same attempts. Each attempt counts as a failure *before* the password is checked (and is
 * taken back when it was right): a burst of parallel guesses cannot all pass the check before the
 * first failure is written. While a key is locked every attempt is refused, the right password
 * too, without checking it.
 */
export class LoginThrottle {
  /** Public so tests can move time on a running server. */
  clock: Clock;

  constructor(
    private readonly db: DataSource,
    clock: Clock = systemClock,
    private readonly rules: { account: ThrottleRule; address: ThrottleRule } = { account: ACCOUNT_RULE, address: ADDRESS_RULE },
  ) {
    this.clock = clock;
  }

  /** Counts an attempt on an account from an address, or throws RATE_LIMITED while either is locked. */
  async attempt(email: string, address: string | undefined): Promise<LoginAttempt> {
    const keys = new Map<string, ThrottleRule>([[`account:${email}`, this.rules.account]]);
    if (address) keys.set(`address:${address}`, this.rules.address);
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const rows = await lockRows(tx, [...keys.keys()], now);
      const lockedFor = Math.max(0, ...rows.map((row) => (row.locked_until ? row.locked_until.getTime() - now : 0)));
      if (lockedFor > 0) throw rateLimited(Math.ceil(lockedFor / 1000));
      for (const row of rows) {
        const rule = keys.get(row.key)!;
        const failures = (now - row.last_attempt_at.getTime() > rule.windowMs ? 0 : row.failures) + 1;
        await tx.query('UPDATE login_throttles SET failures = $2, last_attempt_at = $3, locked_until = $4 WHERE key = $1', [row.key, failures, new Date(now), lockUntil(rule, failures, now)]);
      }
    });
    return {
      succeeded: () =>
        this.db.transaction(async (tx) => {
          // The account starts afresh; the address only gets this attempt back (others behind it may be guessing).
          await tx.query('DELETE FROM login_throttles WHERE key = $1', [`account:${email}`]);
          if (!address) return;
          const [row] = await lockRows(tx, [`address:${address}`], now);
          const failures = Math.max(0, row!.failures - 1);
          await tx.query('UPDATE login_throttles SET failures = $2, locked_until = $3 WHERE key = $1', [row!.key, failures, lockUntil(this.rules.address, failures, row!.last_attempt_at.getTime())]);
        }),
    };
  }

  /** Forgets keys without an attempt for longer than any window; run by the hourly clean-up. */
  async deleteStale(): Promise<void> {
    const windowMs = Math.max(this.rules.account.windowMs, this.rules.address.windowMs, this.rules.account.maxDelayMs, this.rules.address.maxDelayMs);
    await this.db.query('DELETE FROM login_throttles WHERE last_attempt_at < $1 AND (locked_until IS NULL OR locked_until < $2)', [
      new Date(this.clock.now() - windowMs),
      new Date(this.clock.now()),
    ]);
  }
}

function lockUntil(rule: ThrottleRule, failures: number, now: number): Date | null {
  if (failures < rule.freeFailures) return null;
  const delay = Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** Math.min(30, failures - rule.freeFailures));
  return new Date(now + delay);
}

/** The rows of `keys`, created when missing, locked for this transaction (in key order: no deadlocks). */
async function lockRows(tx: EntityManager, keys: string[], now: number): Promise<Row[]> {
  await tx.query(
    `INSERT INTO login_throttles (key, failures, last_attempt_at) SELECT unnest($1::text[]), 0, $2 ON CONFLICT (key) DO NOTHING`,
    [keys, new Date(now)],
  );
  return tx.query('SELECT key, failures, last_attempt_at, locked_until FROM login_throttles WHERE key = ANY($1) ORDER BY key FOR UPDATE', [keys]);
}
