import { ApolloServer } from '@apollo/server';
import fastifyApollo from '@as-integrations/fastify';
import type { FastifyInstance } from 'fastify';
import { parse, specifiedRules, validate, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { Context as GraphQLWsContext } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import type { Logger } from '../platform/logger';
import type { Services } from '../services';
import { bearerFrom, SESSION_COOKIE, type Context } from './context';
import { formatGraphQLError } from './errors';
import { viewerOf } from '../http/authenticate';
import { costLimitPlugin, depthRule } from './limits';
import { guardSubscription } from '../auth/subscription-guard';

type WebSocketContext = GraphQLWsContext<Record<string, unknown>, Extra>;

const PATH = '/graphql';

/**
 * GraphQL over HTTP (Apollo Server on Fastify) and over WebSocket (graphql-ws) on the same
 * port and path, with the same context, limits and error mapping.
 */
export async function mountGraphQL(app: FastifyInstance, schema: GraphQLSchema, services: Services, config: Config, logger: Logger): Promise<void> {
  const formatError = formatGraphQLError(logger);
  const validationRules = [depthRule(config.limits.graphqlDepth)];

  /** Evaluated for every operation, and again when a subscription's rights are re-checked. */
  const websocketContext = async (ctx: WebSocketContext): Promise<Context> => {
    const headerToken = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : undefined;
    const cookieToken = parseCookie(ctx.extra.request.headers.cookie, SESSION_COOKIE);
    const secret = bearerFrom(headerToken, cookieToken);
    return { services, viewer: secret ? await services.auth.authenticate(secret) : null, clientAddress: ctx.extra.request.socket.remoteAddress };
  };

  const websocket = new WebSocketServer({ server: app.server, path: PATH, maxPayload: config.limits.bodyBytes });
  const subscriptions = useServer<Record<string, unknown>>(
    {
      schema,
      context: (ctx): Promise<Context> => websocketContext(ctx),
      // A subscription ends with an error when its viewer's rights change (logout, revocation, role…).
      onOperation: (ctx, _id, _payload, args, result) => guardSubscription(services.bus, args, result, () => websocketContext(ctx)),
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, [...specifiedRules, ...validationRules]);
        return errors.length > 0 ? errors : undefined;
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
    validationRules,
    includeStacktraceInErrorResponses: false,
    plugins: [costLimitPlugin(schema, config.limits.graphqlCost)],
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), {
    path: PATH,
    context: async (request, reply): Promise<Context> => {
      return {
        services,
        viewer: await viewerOf(request, services),
        clientAddress: request.ip,
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

function parseCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
