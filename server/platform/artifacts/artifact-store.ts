import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../errors';

/** A stored blob, named by the SHA-256 of its content. */
export interface StoredArtifact {
  sha256: string;
  size: number;
}

/**
 * Content-addressed blob storage for everything that must outlive a process or be read by
 * another replica: datasets, model files, pipeline result files. An artifact is published only
 * once it is complete (write once, then publish), so no reader ever sees half of one; reads
 * verify the hash. Implementations: a local folder (local.ts) and S3-compatible object storage
 * (s3.ts); test/server/artifacts runs one conformance suite on both.
 */
export interface ArtifactStore {
  /** Where artifacts live, for logs and /readyz ("folder /var/lib/berth/artifacts", "s3://bucket/prefix at …"). */
  readonly description: string;
  /**
   * Whether the store can be used now. Rejects with `ArtifactStoreUnavailableError` naming the
   * cause (unreachable, credentials refused, bucket missing): /readyz and start-up report it.
   */
  check(): Promise<void>;
  /** Stores a stream; rejects with `ArtifactTooLargeError` past `maxBytes`, leaving nothing behind. */
  put(content: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StoredArtifact>;
  /**
   * Takes over a finished local file whose hash and size its writer computed while writing it
   * (not hashed again). The file is gone afterwards. Reads still verify the hash.
   */
  adopt(file: string, digest: StoredArtifact): Promise<StoredArtifact>;
  /** The whole content, after checking its hash; `ArtifactMissingError` naming its key when absent. */
  read(sha256: string): Promise<Buffer>;
  /**
   * A stream of the content, never buffered whole (hash checked when the stream ends: it errors
   * on a mismatch, and with `ArtifactMissingError` when the artifact is absent).
   */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Where one artifact is (a path or an object key), as error messages name it. */
  locationOf(sha256: string): string;
  /**
   * A short-lived URL a client can download the artifact from directly, when the store is
   * configured to hand them out (BERTH_S3_PRESIGNED_DOWNLOADS); undefined: stream it through Berth.
   */
  downloadUrl(sha256: string, download: { fileName: string; contentType: string }): Promise<string | undefined>;
}

export class ArtifactTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than the limit of ${maxBytes} bytes`);
  }
}

export class ArtifactCorruptError extends Error {
  constructor(
    readonly sha256: string,
    location?: string,
  ) {
    super(`artifact ${location ?? sha256} does not match its hash: it was changed or damaged in storage`);
  }
}

/** The artifact is not in the store (deleted behind Berth's back, or a store that lost it). */
export class ArtifactMissingError extends Error {
  constructor(
    readonly sha256: string,
    readonly location: string,
  ) {
    super(`artifact ${location} is missing from the artifact store (deleted or never copied there); upload the file again`);
  }
}

/** The store cannot be used right now: answered as 503 with the reason. */
export class ArtifactStoreUnavailableError extends DomainError {
  constructor(reason: string) {
    super('UNAVAILABLE', `Artifact storage is unavailable: ${reason}`);
  }
}

export const isArtifactHash = (value: string) => /^[0-9a-f]{64}$/.test(value);

export function checkHash(sha256: string): string {
  if (!isArtifactHash(sha256)) throw new Error(`not an artifact hash: ${sha256}`);
  return sha256;
}

/** The two-level layout both implementations use: ab/abcdef… */
export const relativePathOf = (sha256: string) => `${checkHash(sha256).slice(0, 2)}/${sha256}`;

/**
 * Writes a stream to a new file in `folder` while hashing and measuring it; the caller then
 * publishes it. Nothing is left behind on failure.
 */
export async function spool(content: Readable | Uint8Array, folder: string, maxBytes?: number): Promise<{ file: string } & StoredArtifact> {
  // A stream may fail (a missing file) before the pipeline below listens to it: catch that too.
  let earlyError: unknown;
  const onEarlyError = (error: unknown) => (earlyError = error);
  if (!(content instanceof Uint8Array)) content.once('error', onEarlyError);
  await mkdir(folder, { recursive: true });
  if (!(content instanceof Uint8Array)) content.off('error', onEarlyError);
  if (earlyError) throw earlyError;
  const file = path.join(folder, randomBytes(12).toString('hex'));
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (maxBytes !== undefined && size > maxBytes) return done(new ArtifactTooLargeError(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    const source = content instanceof Uint8Array ? [content] : content;
    await pipeline(source as Readable, measure, createWriteStream(file, { flags: 'wx' }));
    return { file, sha256: hash.digest('hex'), size };
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

/** A pass-through that errors at the end when what went through does not hash to `sha256`. */
export function verifying(sha256: string, location: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      done(hash.digest('hex') === sha256 ? null : new ArtifactCorruptError(sha256, location));
    },
  });
}
