import { GraphQLError, Kind, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type OperationTypeNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';

/** What every GraphQL operation must respect, over HTTP and over WebSocket alike. */
export interface OperationLimits {
  /** Deepest selection accepted. */
  depth: number;
  /** Highest estimated cost accepted (1 per field unless a field says otherwise). */
  cost: number;
  /** Whether callers without credentials may introspect the schema and get "Did you mean …" hints. */
  anonymousIntrospection: boolean;
}

/** One operation as a client sent it. */
export interface OperationRequest {
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * The root fields a caller without credentials may select: signing in, and asking who one is.
 * Everything else needs a viewer anyway; refusing it before execution keeps an anonymous
 * client from making the server plan, estimate and resolve large documents for nothing.
 */
export const ANONYMOUS_ROOT_FIELDS: Record<OperationTypeNode, readonly string[]> = {
  query: ['me'],
  mutation: ['login'],
  subscription: [],
};

const INTROSPECTION_FIELDS = ['__schema', '__type'];

/**
 * The one list of rules beyond GraphQL's standard ones, for HTTP and WebSocket alike: depth,
 * cost and, for a caller without credentials, which root fields they may select.
 */
export function operationRules(schema: GraphQLSchema, limits: OperationLimits, request: OperationRequest, anonymous: boolean): ValidationRule[] {
  return [depthRule(limits.depth), costRule(schema, limits.cost, request), ...(anonymous ? [anonymousRule(limits.anonymousIntrospection)] : [])];
}

/**
 * Validates an operation: GraphQL's standard rules, then `operationRules`. The standard rules
 * go first because depth and cost follow fragment spreads, and on a fragment cycle (which
 * NoFragmentCyclesRule refuses with a clear message) they would recurse until the stack overflows.
 */
export function validateOperation(schema: GraphQLSchema, limits: OperationLimits, request: OperationRequest, anonymous: boolean): readonly GraphQLError[] {
  const standard = validate(schema, request.document, specifiedRules);
  if (standard.length > 0) return hidesSchemaFrom(limits, anonymous) ? standard.map(withoutSuggestion) : standard;
  return validate(schema, request.document, operationRules(schema, limits, request, anonymous));
}

/** Whether errors for this caller must not hint at the schema ("Did you mean …"). */
export function hidesSchemaFrom(limits: OperationLimits, anonymous: boolean): boolean {
  return anonymous && !limits.anonymousIntrospection;
}

/** A message without graphql-js's "Did you mean …?" hint, which names fields the caller did not know. */
export function withoutSuggestionText(message: string): string {
  return message.replace(/ ?Did you mean [^?]*\?$/, '');
}

function withoutSuggestion(error: GraphQLError): GraphQLError {
  const message = withoutSuggestionText(error.message);
  return message === error.message ? error : new GraphQLError(message, { nodes: error.nodes, extensions: error.extensions });
}

/** Refuses queries nested deeper than `maxDepth` (a cheap guard against abusive queries). */
export const depthRule = (maxDepth: number): ValidationRule => depthLimit(maxDepth);

/** Refuses operations whose estimated cost (1 per field unless a field says otherwise) exceeds `maxCost`. */
function costRule(schema: GraphQLSchema, maxCost: number, request: OperationRequest): ValidationRule {
  return createComplexityRule({
    maximumComplexity: maxCost,
    operationName: request.operationName ?? undefined,
    variables: request.variables ?? undefined,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (max, actual) =>
      new GraphQLError(`Query cost ${actual} exceeds the limit of ${max}; ask for fewer fields or items`, { extensions: { code: 'BAD_USER_INPUT' } }),
  });
}

/** Refuses, for a caller without credentials, every root field but those of ANONYMOUS_ROOT_FIELDS. */
function anonymousRule(introspection: boolean): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const allowed = new Set([...ANONYMOUS_ROOT_FIELDS[operation.operation], '__typename', ...(introspection && operation.operation === 'query' ? INTROSPECTION_FIELDS : [])]);
      const refused = new Set<string>();
      const seen = new Set<string>();
      const collect = (selectionSet: SelectionSetNode) => {
        for (const selection of selectionSet.selections) {
          if (selection.kind === Kind.FIELD) {
            if (!allowed.has(selection.name.value)) refused.add(selection.name.value);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            collect(selection.selectionSet);
          } else if (!seen.has(selection.name.value)) {
            seen.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) collect(fragment.selectionSet);
          }
        }
      };
      collect(operation.selectionSet);
      if (refused.size === 0) return;
      const names = [...refused];
      const message = names.every((name) => INTROSPECTION_FIELDS.includes(name))
        ? 'Introspection needs a signed-in caller on this instance (BERTH_GRAPHQL_INTROSPECTION=on opens it to everyone)'
        : `Sign in or send a valid token to use ${names.join(', ')}; without credentials a ${operation.operation} may only select ${[...allowed].filter((name) => name !== '__typename').join(', ') || 'nothing'}`;
      context.reportError(new GraphQLError(message, { nodes: operation, extensions: { code: 'UNAUTHENTICATED' } }));
    },
  });
}
