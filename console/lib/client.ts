import { createClient as createWebSocketClient } from 'graphql-ws';
import { useSyncExternalStore } from 'react';
import { cacheExchange, Client, fetchExchange, mapExchange, subscriptionExchange, type Exchange } from 'urql';
import { signInAgain } from './sign-in';

/** Where the graphql-ws socket stands: `idle` before anything subscribed, then as it (re)connects. */
export type SocketState = 'idle' | 'connecting' | 'connected' | 'closed';

let socketState: SocketState = 'idle';
const listeners = new Set<() => void>();
function setSocketState(next: SocketState) {
  if (next === socketState) return;
  socketState = next;
  for (const listener of listeners) listener();
}

/**
 * The state of the console's subscription socket, as graphql-ws reports it: what a "live" label
 * says before the first pushed value arrives (connected and waiting is not "connecting").
 */
export function useSocketState(): SocketState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => socketState,
    () => 'idle',
  );
}

/**
 * The console's GraphQL client. Queries and mutations go over HTTP to the same origin, so the
 * session cookie travels with them; subscriptions use graphql-ws on the same path, which the
 * server authenticates from the same cookie when the socket opens. The socket only exists in
 * the browser, and only once something subscribes.
 */
export function createBerthClient(): Client {
  const exchanges: Exchange[] = [cacheExchange, fetchExchange];
  if (typeof window !== 'undefined') {
    // Any answer saying the session no longer works, from a query, a mutation or a subscription.
    exchanges.unshift(
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((graphQLError) => graphQLError.extensions?.code === 'UNAUTHENTICATED')) signInAgain();
          // An admin reset the password while a page was open: everything but changing it is refused.
          else if (error.graphQLErrors.some((graphQLError) => graphQLError.extensions?.reason === 'PASSWORD_CHANGE_REQUIRED') && window.location.pathname !== '/account') {
            window.location.assign('/account');
          }
        },
      }),
    );
    const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = createWebSocketClient({
      url: `${protocol}//${window.location.host}/graphql`,
      on: {
        connecting: () => setSocketState('connecting'),
        connected: () => setSocketState('connected'),
        closed: () => setSocketState('closed'),
      },
    });
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
