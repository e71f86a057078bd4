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
