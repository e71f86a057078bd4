import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A stored blob, named by the SHA-256 of its content. */
export interface StoredArtifact {
  sha256: string;
  size: number;
}

/**
 * Content-addressed blob storage for datasets and model files. Writes are atomic (a reader
 * never sees half a file) and reads verify the hash. The local implementation keeps files
 * under the data folder; an S3-compatible one can implement the same interface.
 */
export interface ArtifactStore {
  /** Stores a stream; rejects with `ArtifactTooLargeError` past `maxBytes`, leaving nothing behind. */
  put(content: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StoredArtifact>;
  /**
   * Takes over a finished file whose hash and size its writer computed while writing it (moved
   * into the store, not read again). Reads still verify the hash.
   */
  adopt(file: string, digest: StoredArtifact): Promise<StoredArtifact>;
  /** The whole content, after checking its hash. */
  read(sha256: string): Promise<Buffer>;
  /** A stream of the content (hash checked when the stream ends: it errors on a mismatch). */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
}

export class ArtifactTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than the limit of ${maxBytes} bytes`);
  }
}

export class ArtifactCorruptError extends Error {
  constructor(readonly sha256: string) {
    super(`artifact ${sha256} does not match its hash: the file was changed or damaged on disk`);
  }
}

export class LocalArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not an artifact hash: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  async put(content: Readable | Uint8Array, options: { maxBytes?: number } = {}): Promise<StoredArtifact> {
    // A stream may fail (a missing file) before the pipeline below listens to it: catch that too.
    let earlyError: unknown;
    const onEarlyError = (error: unknown) => (earlyError = error);
    if (!(content instanceof Uint8Array)) content.once('error', onEarlyError);
    await mkdir(path.join(this.root, 'tmp'), { recursive: true });
    if (!(content instanceof Uint8Array)) content.off('error', onEarlyError);
    if (earlyError) throw earlyError;
    const temporary = path.join(this.root, 'tmp', randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) return done(new ArtifactTooLargeError(options.maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      const source = content instanceof Uint8Array ? [content] : content;
      await pipeline(source as Readable, measure, createWriteStream(temporary, { flags: 'wx' }));
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      await mkdir(path.dirname(final), { recursive: true });
      await rename(temporary, final);
      return { sha256, size };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async adopt(file: string, digest: StoredArtifact): Promise<StoredArtifact> {
    const final = this.pathOf(digest.sha256);
    await mkdir(path.dirname(final), { recursive: true });
    try {
      await rename(file, final);
    } catch (error) {
      // The data folder spans two file systems: copy it in, hashing as any put does.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const stored = await this.put(createReadStream(file));
      await rm(file, { force: true });
      return stored;
    }
    return digest;
  }

  async read(sha256: string): Promise<Buffer> {
    const content = await readFile(this.pathOf(sha256));
    if (createHash('sha256').update(content).digest('hex') !== sha256) throw new ArtifactCorruptError(sha256);
    return content;
  }

  open(sha256: string): Readable {
    const hash = createHash('sha256');
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        done(hash.digest('hex') === sha256 ? null : new ArtifactCorruptError(sha256));
      },
    });
    return createReadStream(this.pathOf(sha256)).on('error', (error) => verify.destroy(error)).pipe(verify);
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}
