import path from 'node:path';
import type { Config } from '../../config';
import type { ArtifactStore } from './artifact-store';
import { LocalArtifactStore } from './local';
import { S3ArtifactStore } from './s3';

export * from './artifact-store';
export { LocalArtifactStore } from './local';
export { S3ArtifactStore } from './s3';

/** The store the configuration names: S3-compatible storage with BERTH_ARTIFACTS_URL, else the data folder. */
export function createArtifactStore(config: Pick<Config, 'artifacts' | 'dataDir'>): ArtifactStore {
  const settings = config.artifacts;
  if (settings.kind === 'local') return new LocalArtifactStore(path.join(config.dataDir, 'artifacts'));
  return new S3ArtifactStore({
    bucket: settings.bucket,
    prefix: settings.prefix,
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: settings.credentials,
    forcePathStyle: settings.forcePathStyle,
    // Local disk holds an upload only while it is hashed, then it goes to the bucket.
    spoolDir: path.join(config.dataDir, 'tmp', 'artifact-uploads'),
  });
}
