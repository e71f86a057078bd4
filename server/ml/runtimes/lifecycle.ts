import { ModelNotLoadedError } from './model-runtime';

/**
 * The load/unload life every runtime shares, around what it holds once loaded (`L`: a session,
 * a TF.js model, an inner runtime): concurrent load() calls share one load; an unload() during
 * a load throws the loaded result away; an unload() during predictions releases what they use
 * only after the last of them finished. A runtime implements `open` and `release`, and runs its
 * predictions inside `use`.
 */
export abstract class RuntimeLifecycle<L> {
  protected loaded: L | undefined;
  private loading: Promise<void> | undefined;
  /** Bumped by unload() so a load still running when the model was unloaded throws its result away. */
  private generation = 0;
  private inFlight = 0;
  /** What unload() found predictions running on: the last prediction to finish releases it. */
  private retired: L[] = [];

  /** Reads the files and builds what predictions use; rejects with a reason a user can act on. */
  protected abstract open(): Promise<L>;

  /** Frees what `open` built (native memory, tensors). */
  protected abstract release(loaded: L): void;

  get ready(): boolean {
    return this.loaded !== undefined;
  }

  load(): Promise<void> {
    if (this.loaded !== undefined) return Promise.resolve();
    if (this.loading === undefined) {
      // Concurrent callers share one load rather than reading the files twice.
      const loading: Promise<void> = this.loadOnce(this.generation).finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  unload(): void {
    this.generation++;
    // A load still running will throw its result away; a later load() starts afresh.
    this.loading = undefined;
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded === undefined) return;
    if (this.inFlight > 0) this.retired.push(loaded);
    else this.release(loaded);
  }

  /** Runs `work` on what is loaded, keeping it alive until `work` settles even if unload() comes meanwhile. */
  protected async use<T>(work: (loaded: L) => Promise<T> | T): Promise<T> {
    const loaded = this.loaded;
    if (loaded === undefined) throw new ModelNotLoadedError();
    this.inFlight++;
    try {
      return await work(loaded);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.retired.length > 0) for (const old of this.retired.splice(0)) this.release(old);
    }
  }

  private async loadOnce(generation: number): Promise<void> {
    const loaded = await this.open();
    if (generation !== this.generation) {
      this.release(loaded);
      throw new Error('the model was unloaded before it finished loading');
    }
    this.loaded = loaded;
  }
}
