type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * The one way tests wait: polls `condition` until it holds, then returns its value; after
 * `timeoutMs` it fails naming `what` was awaited. Never sleep to synchronise; wait for the
 * state the next step needs.
 */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, { timeoutMs = 15_000, everyMs = 25 } = {}): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as Truthy<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Resolves after `ms`: for tests that must let time pass on purpose (a thing must NOT happen), never to synchronise. */
export const letTimePass = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves when `bus` delivers an event on `topic` to this process. Register it before the
 * action that publishes, await it after: a replica has acted on an event once its handlers ran
 * (they were registered at start-up, so they run before this one). The PostgreSQL bus delivers to
 * other replicas asynchronously, a few milliseconds after the publisher's query returns.
 */
export function nextEvent(bus: { on(topic: string, handler: (payload: unknown) => void): () => void }, topic: string, timeoutMs = 15_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for an event on ${topic}`));
    }, timeoutMs);
    const off = bus.on(topic, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
