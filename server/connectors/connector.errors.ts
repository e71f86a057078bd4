import type pg from 'pg';
import { DomainError } from '../platform/errors';

/** SQLSTATE codes this domain tells apart. */
export const SQLSTATE = {
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  invalidCatalogName: '3D000',
  insufficientPrivilege: '42501',
  readOnlyTransaction: '25006',
  invalidSchemaName: '3F000',
  undefinedTable: '42P01',
  tooManyConnections: '53300',
  cannotConnectNow: '57P03',
} as const;

/** A PostgreSQL error as `pg` reports it (a DatabaseError): SQLSTATE code, 1-based position… */
export interface PgDatabaseError extends Error {
  code: string;
  severity?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

export function isPgDatabaseError(error: unknown): error is PgDatabaseError {
  if (!(error instanceof Error) || !('severity' in error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** Where a connection goes, for messages: never the password. */
export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

export function targetOf(config: pg.ClientConfig): ConnectionTarget {
  return {
    host: config.host ?? 'localhost',
    port: config.port ?? 5432,
    user: config.user ?? '(default user)',
    database: config.database ?? config.user ?? '(default database)',
  };
}

/** How far a connection attempt got, and why it stopped there, in words a user can act on. */
export interface ConnectionFailure {
  /** The server answered (TCP and, when asked, TLS). */
  reachable: boolean;
  /** The server accepted the credentials. */
  authenticated: boolean;
  /** Worth retrying later rather than fixing the connector (unreachable, overloaded…). */
  transient: boolean;
  message: string;
}

const NETWORK_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
const TLS_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The Node error code of a socket error; connecting to several addresses yields an AggregateError. */
function nodeErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  const inner = (error as { errors?: unknown[] })?.errors;
  if (Array.isArray(inner)) for (const e of inner) if (typeof (e as { code?: unknown })?.code === 'string') return (e as { code: string }).code;
  return undefined;
}

/** Maps an error from `client.connect()` (Node socket, TLS or PostgreSQL startup) to what failed. */
export function describeConnectionFailure(error: unknown, target: ConnectionTarget): ConnectionFailure {
  const where = `${target.host}:${target.port}`;
  const text = error instanceof Error ? error.message : String(error);
  if (isPgDatabaseError(error)) {
    switch (error.code) {
      case SQLSTATE.invalidPassword:
        return { reachable: true, authenticated: false, transient: false, message: `authentication failed for user "${target.user}" on ${where}: wrong password` };
      case SQLSTATE.invalidAuthorization:
        return { reachable: true, authenticated: false, transient: false, message: `authentication failed for user "${target.user}" on ${where}: ${text}` };
      case SQLSTATE.invalidCatalogName:
        return { reachable: true, authenticated: true, transient: false, message: `database "${target.database}" does not exist on ${where}` };
      case SQLSTATE.insufficientPrivilege:
        return { reachable: true, authenticated: true, transient: false, message: `user "${target.user}" may not connect to database "${target.database}" on ${where}: ${text} (grant CONNECT on the database)` };
      case SQLSTATE.tooManyConnections:
        return { reachable: true, authenticated: false, transient: true, message: `${where} refuses new connections: ${text}` };
      case SQLSTATE.cannotConnectNow:
        return { reachable: true, authenticated: false, transient: true, message: `${where} cannot accept connections now: ${text}` };
      default:
        return { reachable: true, authenticated: false, transient: false, message: `${where} refused the connection: ${text} (SQLSTATE ${error.code})` };
    }
  }
  // pg's SCRAM client, asked for a password it does not have.
  if (/client password must be/i.test(text)) {
    return { reachable: true, authenticated: false, transient: false, message: `authentication failed for user "${target.user}" on ${where}: the server asks for a password and none is set` };
  }
  const code = nodeErrorCode(error);
  if (code === 'ECONNREFUSED') {
    return { reachable: false, authenticated: false, transient: true, message: `host unreachable: nothing accepts connections on ${where} (connection refused); check the host and port, and that PostgreSQL listens on that address` };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return { reachable: false, authenticated: false, transient: code === 'EAI_AGAIN', message: `host unreachable: the host name "${target.host}" cannot be resolved (${code}); check its spelling and this server's DNS` };
  }
  if (code && NETWORK_UNREACHABLE.has(code)) {
    return { reachable: false, authenticated: false, transient: true, message: `host unreachable: ${where} cannot be reached (${code}); check the host, the port and the firewalls between Berth and the database` };
  }
  if (/timeout/i.test(text)) {
    return { reachable: false, authenticated: false, transient: true, message: `host unreachable: no answer from ${where} within the connection timeout; a firewall may drop the connection, or the host is down` };
  }
  if (/does not support SSL/i.test(text)) {
    return { reachable: true, authenticated: false, transient: false, message: `${where} does not accept TLS connections; use tlsMode "disable" only on a network you trust, or enable ssl on the server` };
  }
  if (code && (TLS_CERTIFICATE.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) {
    return { reachable: true, authenticated: false, transient: false, message: `the TLS certificate of ${where} was not accepted: ${text} (${code}); with tlsMode "verify-full" it must be signed by a trusted CA and name "${target.host}"; "require" encrypts without checking it` };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /terminated unexpectedly/i.test(text)) {
    return { reachable: true, authenticated: false, transient: true, message: `${where} closed the connection during start-up (${code ?? text}); is it a PostgreSQL server, and does its TLS setting match tlsMode?` };
  }
  return { reachable: false, authenticated: false, transient: false, message: `cannot connect to ${where}: ${text}` };
}

/** The domain error for a failed connection of a pipeline source or destination. */
export function connectionError(what: string, error: unknown, target: ConnectionTarget): DomainError {
  const failure = describeConnectionFailure(error, target);
  return new DomainError(failure.transient ? 'UNAVAILABLE' : 'BAD_USER_INPUT', `${what} could not connect: ${failure.message}`);
}

/**
 * PostgreSQL's message with where it happened in `sql` (position is a 1-based character
 * offset) and the server's detail and hint, for a user to fix their statement. Without `sql`
 * (a statement Berth wrote), the position would mean nothing to the user and is left out.
 */
export function describePgError(error: PgDatabaseError, sql?: string): { message: string; position?: number } {
  let message = error.message;
  const position = sql !== undefined && error.position ? Number(error.position) : undefined;
  if (sql !== undefined && position !== undefined && Number.isFinite(position)) {
    const before = sql.slice(0, position - 1);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n') - 1;
    message += ` (at character ${position}: line ${line}, column ${column})`;
  }
  if (error.detail) message += `; ${error.detail}`;
  if (error.hint) message += `; hint: ${error.hint}`;
  return { message, position };
}
