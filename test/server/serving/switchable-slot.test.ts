import { describe, expect, it } from 'vitest';
import { SwitchableSlot } from '../../../server/serving/switchable-slot';

interface Models {
  version: number;
}

/** Whether the promise has settled, after letting pending callbacks run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('SwitchableSlot', () => {
  it('is empty until given a value', async () => {
    const slot = new SwitchableSlot<Models>();
    expect(slot.current()).toBeUndefined();
    expect(slot.value).toBeUndefined();
    const v1 = { version: 1 };
    expect(await slot.swap(v1)).toBeUndefined();
    expect(slot.current()?.value).toBe(v1);
  });

  it('hands back the old value at once when nobody holds it', async () => {
    const [v1, v2] = [{ version: 1 }, { version: 2 }];
    const slot = new SwitchableSlot<Models>(v1);
    slot.current()!.release();
    expect(await slot.swap(v2)).toBe(v1);
    expect(slot.value).toBe(v2);
  });

  it('lets a request that leased the old value finish on it, gives new requests the new one, and retires the old after the last release', async () => {
    const [v1, v2] = [{ version: 1 }, { version: 2 }];
    const slot = new SwitchableSlot<Models>(v1);
    const first = slot.current()!;
    const second = slot.current()!;

    const retired: Models[] = [];
    const swapped = slot.swap(v2).then((old) => {
      retired.push(old!);
    });
    expect(first.value).toBe(v1);
    const after = slot.current()!;
    expect(after.value).toBe(v2);

    first.release();
    expect(await settled(swapped)).toBe(false);
    // A second release of the same lease must not count for the other one.
    first.release();
    expect(await settled(swapped)).toBe(false);

    second.release();
    await swapped;
    expect(retired).toEqual([v1]);
    second.release();
    after.release();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(retired).toEqual([v1]);
  });

  it('swaps again before the old value drained: each replaced value is retired once, when its own leases end', async () => {
    const [v1, v2, v3] = [{ version: 1 }, { version: 2 }, { version: 3 }];
    const slot = new SwitchableSlot<Models>(v1);
    const onV1 = slot.current()!;
    const toV2 = slot.swap(v2);
    const onV2 = slot.current()!;
    const toV3 = slot.swap(v3);
    expect(slot.current()!.value).toBe(v3);

    onV2.release();
    expect(await toV3).toBe(v2);
    expect(await settled(toV2)).toBe(false);
    onV1.release();
    expect(await toV2).toBe(v1);
  });

  it('swapping back to a value that has not drained yet keeps it: nothing is handed back for unloading', async () => {
    const [v1, v2] = [{ version: 1 }, { version: 2 }];
    const slot = new SwitchableSlot<Models>(v1);
    const onV1 = slot.current()!;
    const toV2 = slot.swap(v2);
    const back = slot.swap(v1);
    expect(await toV2).toBeUndefined();
    expect(await back).toBe(v2);
    expect(slot.current()!.value).toBe(v1);
    onV1.release();
    expect(await slot.swap(v1)).toBeUndefined();
  });

  it('empties on swap(undefined), handing back the last value once drained', async () => {
    const v1 = { version: 1 };
    const slot = new SwitchableSlot<Models>(v1);
    const lease = slot.current()!;
    const emptied = slot.swap(undefined);
    expect(slot.current()).toBeUndefined();
    expect(await settled(emptied)).toBe(false);
    lease.release();
    expect(await emptied).toBe(v1);
  });

  it('under interleaved requests and switches, unloads each version exactly once, never while in use', async () => {
    const versions = Array.from({ length: 20 }, (_, i) => ({ version: i, inUse: 0, unloaded: 0 }));
    const slot = new SwitchableSlot(versions[0]);
    const swaps: Promise<void>[] = [];
    const requests: Promise<void>[] = [];
    for (let step = 0; step < 190; step++) {
      if (step % 10 === 9) {
        swaps.push(
          slot.swap(versions[(step + 1) / 10]).then((old) => {
            expect(old!.inUse).toBe(0);
            old!.unloaded++;
          }),
        );
      }
      const lease = slot.current()!;
      expect(lease.value.unloaded).toBe(0);
      lease.value.inUse++;
      requests.push(
        new Promise<void>((resolve) => setTimeout(resolve, step % 7)).then(() => {
          lease.value.inUse--;
          lease.release();
        }),
      );
    }
    await Promise.all([...requests, ...swaps]);
    expect(versions.map((v) => v.unloaded)).toEqual([...Array(19).fill(1), 0]);
  });
});
