import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ArtifactCorruptError, ArtifactMissingError, ArtifactStoreUnavailableError, relativePathOf, spool, verifying, type ArtifactStore, type StoredArtifact } from './artifact-store';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Artifacts in a folder (the default): for one host, or several that mount one shared file system. */
export class LocalArtifactStore implements ArtifactStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `folder ${root}`;
  }

  locationOf(sha256: string): string {
    return path.join(this.root, relativePathOf(sha256));
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, 2 /* W_OK */);
    } catch (error) {
      throw new ArtifactStoreUnavailableError(`cannot write to ${this.root}: ${(error as Error).message}`);
    }
  }

  async put(content: Readable | Uint8Array, options: { maxBytes?: number } = {}): Promise<StoredArtifact> {
    // Spooled inside the store's folder: the rename that publishes it stays on one file system.
    const { file, ...digest } = await spool(content, path.join(this.root, 'tmp'), options.maxBytes);
    try {
      return await this.publish(file, digest);
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  }

  async adopt(file: string, digest: StoredArtifact): Promise<StoredArtifact> {
    try {
      return await this.publish(file, digest);
    } catch (error) {
      // The data folder spans two file systems: copy it in, hashing as any put does.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const stored = await this.put(createReadStream(file));
      await rm(file, { force: true });
      return stored;
    }
  }

  /** A rename is atomic: the artifact appears whole under its name or not at all. */
  private async publish(file: string, digest: StoredArtifact): Promise<StoredArtifact> {
    const final = this.locationOf(digest.sha256);
    await mkdir(path.dirname(final), { recursive: true });
    await rename(file, final);
    return { sha256: digest.sha256, size: digest.size };
  }

  async read(sha256: string): Promise<Buffer> {
    const location = this.locationOf(sha256);
    const content = await readFile(location).catch((error: unknown) => {
      throw isMissing(error) ? new ArtifactMissingError(sha256, location) : error;
    });
    if (createHash('sha256').update(content).digest('hex') !== sha256) throw new ArtifactCorruptError(sha256, location);
    return content;
  }

  open(sha256: string): Readable {
    const location = this.locationOf(sha256);
    const verify = verifying(sha256, location);
    return createReadStream(location)
      .on('error', (error) => verify.destroy(isMissing(error) ? new ArtifactMissingError(sha256, location) : error))
      .pipe(verify);
  }

  async downloadUrl(): Promise<string | undefined> {
    return undefined;
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.locationOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.locationOf(sha256), { force: true });
  }
}
