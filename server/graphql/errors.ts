import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { DomainError } from '../platform/errors';
import type { Logger } from '../platform/logger';

/** PostgreSQL's "invalid input syntax" (a malformed UUID, say) is the caller's mistake. */
const INVALID_TEXT_REPRESENTATION = '22P02';

/**
 * The one mapping from errors to what a GraphQL client sees: domain errors keep their
 * message and code; anything unexpected is logged and answered as an opaque internal error,
 * never with a stack trace or SQL.
 */
export function formatGraphQLError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    let original = unwrapResolverError(error);
    // A GraphQLError thrown inside a validation rule arrives wrapped in another one.
    while (original instanceof GraphQLError && original.originalError instanceof GraphQLError) original = original.originalError;

    if (original instanceof DomainError) {
      return { message: original.message, path: formatted.path, extensions: { code: original.code, ...original.details } };
    }
    if (original instanceof QueryFailedError && (original.driverError as { code?: string })?.code === INVALID_TEXT_REPRESENTATION) {
      return { message: 'An identifier or value has the wrong format', path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
    }
    // Parse, validation and limit errors are about the query itself: safe to show as they are.
    if (original instanceof GraphQLError && !original.originalError) {
      const code = formatted.extensions?.code ?? original.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED';
      return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    logger.error({ err: original }, 'unexpected error in a GraphQL operation');
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
