import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ArtifactCorruptError, ArtifactMissingError, ArtifactStoreUnavailableError, relativePathOf, spool, verifying, type ArtifactStore, type StoredArtifact } from './artifact-store';
import { createHash } from 'node:crypto';

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix without slashes at either end ('' for the bucket's root). */
  prefix: string;
  /** An S3-compatible service (MinIO, Ceph, R2…); AWS when absent. */
  endpoint?: string;
  region?: string;
  /** Static credentials; else the AWS SDK's chain (AWS_* variables, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bucket in the path (http://host/bucket/key), as MinIO and most self-hosted services need. */
  forcePathStyle?: boolean;
  /** downloadUrl hands out pre-signed URLs (valid 5 minutes) instead of streaming through Berth. */
  presignedDownloads?: boolean;
  /** A local folder for uploads being hashed before they are published. */
  spoolDir: string;
  /** Size of one part of a multipart upload. */
  partBytes?: number;
  /**
   * A local folder keeping what `read` fetched (model files): a model loads from the bucket once
   * per disk. Content-addressed, so a cached file is never stale; it is hash-checked on every read.
   */
  cacheDir?: string;
}

/** Whether an SDK error means "this key or bucket does not exist". */
const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (error: unknown) => (error as { name?: string; Code?: string }).Code ?? (error as { name?: string }).name ?? '';

/**
 * Artifacts in an S3-compatible bucket, under `prefix/ab/<sha256>`: replicas on separate hosts
 * share them without a shared file system. An upload is spooled to a local file while it is
 * hashed (the key is the hash, known only at the end), then sent once under its final key; S3
 * makes an object visible only when its upload completed, so a half-sent one is never read.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly description: string;
  private readonly client: S3Client;
  /** When check() last succeeded: /readyz asks every few seconds per pod, a request each time is waste. */
  private checkedAt = 0;

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.description = `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    const config: S3ClientConfig = {
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle,
      // The SDK's default checksums on every request are not understood by every S3-compatible
      // service; Berth verifies SHA-256 of everything it reads anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // An unreachable endpoint fails a request in seconds, not after the OS's TCP timeout.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    };
    this.client = new S3Client(config);
  }

  private keyOf(sha256: string): string {
    return `${this.options.prefix ? `${this.options.prefix}/` : ''}${relativePathOf(sha256)}`;
  }

  locationOf(sha256: string): string {
    return `s3://${this.options.bucket}/${this.keyOf(sha256)}`;
  }

  /** Turns an SDK failure into one that names its cause; `sha256` for a missing object. */
  private translate(error: unknown, sha256?: string): Error {
    const translated = this.classify(error, sha256);
    // Any operation that finds the store unusable makes the next check() ask again.
    if (translated instanceof ArtifactStoreUnavailableError) this.checkedAt = 0;
    return translated;
  }

  private classify(error: unknown, sha256?: string): Error {
    const name = nameOf(error);
    const status = statusOf(error);
    const where = this.options.endpoint ?? 'AWS S3';
    if (name === 'NoSuchBucket') return new ArtifactStoreUnavailableError(`the bucket "${this.options.bucket}" does not exist at ${where} (BERTH_ARTIFACTS_URL); create it or fix the name`);
    if (sha256 && (name === 'NoSuchKey' || name === 'NotFound' || status === 404)) return new ArtifactMissingError(sha256, this.locationOf(sha256));
    if (!sha256 && (name === 'NotFound' || status === 404)) return new ArtifactStoreUnavailableError(`the bucket "${this.options.bucket}" does not exist at ${where} (BERTH_ARTIFACTS_URL); create it or fix the name`);
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidClientTokenId', 'ExpiredToken', 'CredentialsProviderError'].includes(name) || (error as Error).message?.includes('Could not load credentials')) {
      return new ArtifactStoreUnavailableError(`the credentials were refused by ${where} (${name}): check BERTH_S3_ACCESS_KEY_ID and BERTH_S3_SECRET_ACCESS_KEY`);
    }
    if (name === 'AccessDenied' || status === 403) return new ArtifactStoreUnavailableError(`access to the bucket "${this.options.bucket}" was denied by ${where}: the credentials lack permission (s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket)`);
    if (status === undefined || status >= 500) return new ArtifactStoreUnavailableError(`${where} is unreachable or failing: ${(error as Error).message || name}`);
    return error as Error;
  }

  async check(): Promise<void> {
    if (Date.now() - this.checkedAt < 10_000) return;
    try {
      // A listing, not HeadBucket: a HEAD answer has no body, so a refusal would not say why. Of
      // a prefix that holds nothing, so the answer is the same small one however full the bucket.
      await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: `${this.options.prefix ? `${this.options.prefix}/` : ''}.berth-check`, MaxKeys: 1 }));
      this.checkedAt = Date.now();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async put(content: Readable | Uint8Array, options: { maxBytes?: number } = {}): Promise<StoredArtifact> {
    const { file, ...digest } = await spool(content, this.options.spoolDir, options.maxBytes);
    try {
      return await this.adopt(file, digest);
    } finally {
      await rm(file, { force: true });
    }
  }

  async adopt(file: string, digest: StoredArtifact): Promise<StoredArtifact> {
    // Content addressing: an object under this key already has these bytes.
    if (!(await this.has(digest.sha256))) {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.options.bucket, Key: this.keyOf(digest.sha256), Body: createReadStream(file), ContentLength: digest.size, ContentType: 'application/octet-stream' },
        partSize: this.options.partBytes ?? 8 * 1024 * 1024,
        queueSize: 4,
        // A failed multipart upload is aborted: its parts never become an object.
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        throw this.translate(error);
      }
    }
    await rm(file, { force: true });
    return { sha256: digest.sha256, size: digest.size };
  }

  async read(sha256: string): Promise<Buffer> {
    const cached = this.options.cacheDir && path.join(this.options.cacheDir, relativePathOf(sha256));
    if (cached) {
      const content = await readFile(cached).catch(() => undefined);
      if (content && createHash('sha256').update(content).digest('hex') === sha256) return content;
    }
    const content = await this.fetch(sha256);
    if (cached) {
      // Written beside, then renamed: another reader never sees half a cached file. A full disk
      // only costs the cache.
      const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      await mkdir(path.dirname(cached), { recursive: true })
        .then(() => writeFile(partial, content))
        .then(() => rename(partial, cached))
        .catch(() => rm(partial, { force: true }));
    }
    return content;
  }

  private async fetch(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.body(sha256)) chunks.push(chunk as Buffer);
    const content = Buffer.concat(chunks);
    if (createHash('sha256').update(content).digest('hex') !== sha256) throw new ArtifactCorruptError(sha256, this.locationOf(sha256));
    return content;
  }

  private async body(sha256: string): Promise<Readable> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(sha256) }));
      return response.Body as Readable;
    } catch (error) {
      throw this.translate(error, sha256);
    }
  }

  open(sha256: string): Readable {
    const verify = verifying(sha256, this.locationOf(sha256));
    this.body(sha256).then(
      (body) => {
        body.on('error', (error) => verify.destroy(this.translate(error, sha256)));
        body.pipe(verify);
        // A reader that stops early releases the connection.
        verify.on('close', () => body.destroy());
      },
      (error: Error) => verify.destroy(error),
    );
    return verify;
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(sha256) }));
      return true;
    } catch (error) {
      const translated = this.translate(error, sha256);
      if (translated instanceof ArtifactMissingError) return false;
      throw translated;
    }
  }

  async delete(sha256: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(sha256) }));
    } catch (error) {
      throw this.translate(error, sha256);
    }
  }

  async downloadUrl(sha256: string, download: { fileName: string; contentType: string }): Promise<string | undefined> {
    if (!this.options.presignedDownloads) return undefined;
    // Signed locally (no request): the URL works only while the object exists, for 5 minutes.
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: this.keyOf(sha256),
      ResponseContentDisposition: `attachment; filename="${download.fileName.replace(/["\\\r\n]/g, '')}"`,
      ResponseContentType: download.contentType,
    });
    return getSignedUrl(this.client, command, { expiresIn: 300 });
  }

  close(): void {
    this.client.destroy();
  }
}
