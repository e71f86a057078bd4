/** A value held for the length of one request; release it exactly when the request is done with it. */
export interface Lease<T> {
  readonly value: T;
  /** Idempotent: a second call is ignored, so a request cannot release someone else's hold. */
  release(): void;
}

interface Entry<T> {
  value: T;
  leases: number;
  /** Set while the entry is replaced but still leased: settles the swap() that replaced it. */
  settle?: (retired: T | undefined) => void;
}

/**
 * Holds the current value (a deployment's loaded models) and switches it atomically: requests
 * that leased the old value finish on it, requests after the switch get the new one, and the
 * caller learns when the old one has no lease left, which is when it may unload it (MLServer's
 * rolling pattern). A lease that is never released keeps its value alive forever, so callers
 * release in a `finally`.
 */
export class SwitchableSlot<T extends {}> {
  private entry: Entry<T> | undefined;
  /** Replaced values that still have leases, so a swap back to one of them revives it instead of unloading it. */
  private readonly draining = new Map<T, Entry<T>>();

  constructor(initial?: T) {
    if (initial !== undefined) this.entry = { value: initial, leases: 0 };
  }

  /** The value new requests get, without leasing it. */
  get value(): T | undefined {
    return this.entry?.value;
  }

  /** Leases the current value; undefined when the slot is empty. */
  current(): Lease<T> | undefined {
    const entry = this.entry;
    if (entry === undefined) return undefined;
    entry.leases++;
    let released = false;
    return {
      value: entry.value,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        if (entry.leases === 0 && entry.settle !== undefined) {
          this.draining.delete(entry.value);
          entry.settle(entry.value);
          entry.settle = undefined;
        }
      },
    };
  }

  /**
   * Makes `next` current (undefined empties the slot) and resolves with the value it replaced
   * once the last lease on that value is released (at once when none is held), for the caller
   * to unload. Resolves with undefined when nothing is to be unloaded: the slot was empty, or
   * the value is current again because a later swap brought it back before it drained (that
   * earlier swap then resolves undefined too). So each value is handed back for unloading at
   * most once, and never while it is current.
   */
  swap(next: T | undefined): Promise<T | undefined> {
    const old = this.entry;
    if (old !== undefined && old.value === next) return Promise.resolve(undefined);
    this.entry = next === undefined ? undefined : this.revive(next) ?? { value: next, leases: 0 };
    if (old === undefined) return Promise.resolve(undefined);
    if (old.leases === 0) return Promise.resolve(old.value);
    this.draining.set(old.value, old);
    return new Promise<T | undefined>((resolve) => {
      old.settle = resolve;
    });
  }

  private revive(value: T): Entry<T> | undefined {
    const entry = this.draining.get(value);
    if (entry === undefined) return undefined;
    this.draining.delete(value);
    entry.settle?.(undefined);
    entry.settle = undefined;
    return entry;
  }
}
