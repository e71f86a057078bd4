import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import fastifyApollo from '@as-integrations/fastify';
import type { FastifyInstance } from 'fastify';
import { GraphQLError, parse, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Context as GraphQLWsContext } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import type { Logger } from '../platform/logger';
import type { Services } from '../services';
import type { Context } from './context';
import { formatGraphQLError } from './errors';
import { credentialsOf, SESSION_COOKIE, sessionCookieFrom, type RequestCredentials } from '../auth/request-viewer';
import { FOREIGN_ORIGIN_MESSAGE, fromConsoleOrigin, signedInByCookie } from '../http/origins';
import { HTTP_STATUS, type ErrorCode } from '../platform/errors';
import { validateOperation, type OperationLimits } from './limits';
import { guardSubscription } from '../auth/subscription-guard';

type WebSocketContext = GraphQLWsContext<Record<string, unknown>, Extra>;

const PATH = '/graphql';

/**
 * GraphQL over HTTP (Apollo Server on Fastify) and over WebSocket (graphql-ws) on the same
 * port and path, with the same context, error mapping and validation (`validateOperation`: the
 * standard rules, depth, cost and what a caller without credentials may select).
 */
export async function mountGraphQL(app: FastifyInstance, schema: GraphQLSchema, services: Services, config: Config, logger: Logger): Promise<void> {
  const formatError = formatGraphQLError(logger);
  const limits: OperationLimits = { depth: config.limits.graphqlDepth, cost: config.limits.graphqlCost, anonymousIntrospection: config.graphqlIntrospection };

  /** A connection's credentials: its `authorization` connection parameter, else the session cookie of its upgrade request. */
  const websocketCredentials = (ctx: WebSocketContext): RequestCredentials => ({
    authorization: typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : undefined,
    sessionCookie: sessionCookieFrom(ctx.extra.request.headers.cookie),
  });
  /** Evaluated for every operation, and again when a subscription's rights are re-checked. */
  const websocketContext = async (ctx: WebSocketContext): Promise<Context> => ({
    services,
    viewer: await services.requestViewer.viewer(websocketCredentials(ctx)),
    clientAddress: ctx.extra.request.socket.remoteAddress,
  });

  const websocket = new WebSocketServer({ server: app.server, path: PATH, maxPayload: config.limits.bodyBytes });
  const subscriptions = useServer<Record<string, unknown>>(
    {
      schema,
      // A browser attaches the session cookie to any page's WebSocket: a connection signed in by the
      // cookie alone is accepted only from the console's origin (graphql-ws closes it with 4403).
      onConnect: (ctx) => {
        const { authorization, sessionCookie } = websocketCredentials(ctx);
        return !signedInByCookie(authorization, undefined, sessionCookie) || fromConsoleOrigin(ctx.extra.request.headers, config);
      },
      context: (ctx): Promise<Context> => websocketContext(ctx),
      // A subscription ends with an error when its viewer's rights change (logout, revocation, role…).
      onOperation: (ctx, _id, _payload, args, result) => guardSubscription(services.bus, args, result, () => websocketContext(ctx)),
      // Validation needs the caller, so the context is built here and handed to the execution.
      onSubscribe: async (ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const contextValue = await websocketContext(ctx);
        const request = { document, operationName: payload.operationName, variables: payload.variables };
        const errors = validateOperation(schema, limits, request, contextValue.viewer === null);
        if (errors.length > 0) return [...errors];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
      // Errors raised while subscribing or resolving an event go through the same mapping as over HTTP.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : result,
    },
    websocket,
  );

  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    // operationGuard validates instead, knowing the caller: the same rules as over WebSocket.
    dangerouslyDisableValidation: true,
    includeStacktraceInErrorResponses: false,
    plugins: [operationGuard(schema, limits, formatError)],
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), {
    path: PATH,
    context: async (request, reply): Promise<Context> => {
      return {
        services,
        viewer: await services.requestViewer.viewer(credentialsOf(request)),
        clientAddress: request.ip,
        foreignCookie: signedInByCookie(request.headers.authorization, undefined, request.cookies[SESSION_COOKIE]) && !fromConsoleOrigin(request.headers, config),
        session: {
          set: (token, expiresAt) =>
            reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.publicUrl.startsWith('https:'), expires: expiresAt }),
          clear: () => reply.clearCookie(SESSION_COOKIE, { path: '/' }),
        },
      };
    },
  });
  // Fastify's close waits for in-flight HTTP requests; WebSocket clients are told to go
  // away before that, or the server would wait for them forever.
  app.addHook('preClose', () => subscriptions.dispose());
  app.addHook('onClose', () => apollo.stop());
}

/**
 * Validates each HTTP operation with `validateOperation` (Apollo's own validation is off: its
 * rules cannot see the caller), and refuses mutations signed in by a cookie from another origin.
 */
function operationGuard(schema: GraphQLSchema, limits: OperationLimits, formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, request, contextValue }) {
          let errors: readonly GraphQLError[] = validateOperation(schema, limits, { document, operationName: request.operationName, variables: request.variables }, contextValue.viewer === null);
          if (errors.length === 0 && operation?.operation === 'mutation' && contextValue.foreignCookie) {
            errors = [new GraphQLError(FOREIGN_ORIGIN_MESSAGE, { extensions: { code: 'FORBIDDEN' } })];
          }
          if (errors.length === 0) return null;
          const formatted = errors.map((error) => formatError(error.toJSON(), error));
          const status = HTTP_STATUS[formatted[0]!.extensions?.code as ErrorCode] ?? 400;
          return { http: { status, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { errors: formatted } } };
        },
      };
    },
  };
}
