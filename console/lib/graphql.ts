import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../graphql-env';

/**
 * GraphQL documents typed from schema.graphql (through graphql-env.d.ts, which
 * `npm run schema:emit` regenerates): results and variables are never written by hand.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTimeISO: string; JSONObject: Record<string, unknown> };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
