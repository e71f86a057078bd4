import { createClient as createWebSocketClient } from 'graphql-ws';
import { cacheExchange, Client, fetchExchange, subscriptionExchange, type Exchange } from 'urql';

/**
 * The console's GraphQL client. Queries and mutations go over HTTP to the same origin, so the
 * session cookie travels with them; subscriptions use graphql-ws on the same path, which the
 * server authenticates from the same cookie when the socket opens. The socket only exists in
 * the browser, and only once something subscribes.
 */
export function createBerthClient(): Client {
  const exchanges: Exchange[] = [cacheExchange, fetchExchange];
  if (typeof window !== 'undefined') {
    const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = createWebSocketClient({ url: `${protocol}//${window.location.host}/graphql` });
    exchanges.push(
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    );
  }
  return new Client({
    url: '/graphql',
    exchanges,
    fetchOptions: { credentials: 'same-origin' },
    // Apollo's CSRF protection refuses simple GET requests; POST with a JSON body always passes.
    preferGetMethod: false,
  });
}
