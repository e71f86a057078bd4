/** Milliseconds since the epoch. Time-dependent auth code takes one, so tests can move time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
