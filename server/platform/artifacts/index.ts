import path from 'node:path';
import type { ArtifactStore } from './artifact-store';
import { LocalArtifactStore } from './local';
import { S3ArtifactStore } from './s3';

export * from './artifact-store';
export { LocalArtifactStore } from './local';
export { S3ArtifactStore } from './s3';

/** Where artifacts live, as config.ts reads it from BERTH_ARTIFACTS_URL and BERTH_S3_*. */
export type ArtifactSettings =
  | { kind: 'local' }
  | {
      kind: 's3';
      bucket: string;
      /** Key prefix, without slashes at either end. */
      prefix: string;
      endpoint: string | undefined;
      region: string | undefined;
      /** Unset: the AWS SDK's own chain (AWS_* variables, web identity, instance role). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      forcePathStyle: boolean;
      /** Downloads of pipeline files redirect to pre-signed URLs (clients must reach the endpoint). */
      presignedDownloads: boolean;
    };

/** The store the configuration names: S3-compatible storage with BERTH_ARTIFACTS_URL, else the data folder. */
export function createArtifactStore(config: { artifacts: ArtifactSettings; dataDir: string }): ArtifactStore {
  const settings = config.artifacts;
  if (settings.kind === 'local') return new LocalArtifactStore(path.join(config.dataDir, 'artifacts'));
  return new S3ArtifactStore({
    bucket: settings.bucket,
    prefix: settings.prefix,
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: settings.credentials,
    forcePathStyle: settings.forcePathStyle,
    presignedDownloads: settings.presignedDownloads,
    // Local disk holds an upload only while it is hashed, then it goes to the bucket.
    spoolDir: path.join(config.dataDir, 'tmp', 'artifact-uploads'),
    // Model files a replica loaded, so a restart on the same disk does not fetch them again.
    cacheDir: path.join(config.dataDir, 'cache', 'artifacts'),
  });
}
