import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { asDomainError } from '../platform/errors';
import type { Logger } from '../platform/logger';

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

    const domain = asDomainError(original);
    if (domain) {
      return { message: domain.message, path: formatted.path, extensions: { code: domain.code, ...domain.details } };
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
