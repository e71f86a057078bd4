/**
 * Domain errors carry a code and a message a user can act on. The edge (GraphQL's
 * formatError, the HTTP error handler) maps them to GraphQL codes and HTTP statuses in
 * one place; anything else becomes an opaque internal error.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT' | 'PAYLOAD_TOO_LARGE' | 'RATE_LIMITED' | 'UNAVAILABLE';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Which input was wrong, for BAD_USER_INPUT: a field name, row, column… */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const unauthenticated = (message = 'Sign in or send a valid token') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} does not exist or is not visible to you`);
export const badInput = (field: string, message: string) => new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field });
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const tooLarge = (field: string, message: string) => new DomainError('PAYLOAD_TOO_LARGE', `${field}: ${message}`, { field });

/** PostgreSQL's error code (SQLSTATE) of a failed query, on pg's error or on TypeORM's wrapper of it. */
export function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** PostgreSQL's "invalid input syntax" (a malformed UUID in a URL, say): the caller's mistake. */
const INVALID_TEXT_REPRESENTATION = '22P02';

/**
 * The domain error an error stands for, for both edges' mappers: itself, or what a database error
 * caused by the input means; undefined for anything unexpected.
 */
export function asDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (sqlState(error) === INVALID_TEXT_REPRESENTATION) return new DomainError('BAD_USER_INPUT', 'An identifier or value has the wrong format');
  return undefined;
}
