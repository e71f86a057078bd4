import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A graphql-ws subscription that collects what it receives, so a test can wait for it. */
export function subscribe(url: string, token: string | undefined, query: string) {
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: false,
    retryAttempts: 0,
  });
  const received: any[] = [];
  const errors: unknown[] = [];
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  client.on('connected', () => connected());
  client.subscribe({ query }, { next: (value) => received.push(value), error: (error) => errors.push(error), complete: () => undefined });
  /** Waits (up to `timeoutMs`) until `done` holds for what was received. */
  const waitUntil = async (done: (received: any[]) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done(received) && errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  const waitFor = (count: number) => waitUntil((r) => r.length >= count, 5000);
  return { client, received, errors, ready, waitFor, waitUntil };
}
