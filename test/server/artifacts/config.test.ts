import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config';

const SECRET = { BERTH_SECRET: 's'.repeat(40) };
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('artifact storage settings', () => {
  it('keeps artifacts in the data folder by default', () => {
    expect(loadConfig({}).artifacts).toEqual({ kind: 'local' });
  });

  it('reads s3://bucket/prefix with an endpoint, region and credentials', () => {
    const config = loadConfig({ ...SECRET, BERTH_ARTIFACTS_URL: 's3://berth-artifacts/prod/berth/', BERTH_S3_ENDPOINT: 'http://minio:9000', BERTH_S3_ACCESS_KEY_ID: 'id', BERTH_S3_SECRET_ACCESS_KEY: 'key' });
    expect(config.artifacts).toEqual({ kind: 's3', bucket: 'berth-artifacts', prefix: 'prod/berth', endpoint: 'http://minio:9000', region: 'us-east-1', credentials: { accessKeyId: 'id', secretAccessKey: 'key' }, forcePathStyle: true, presignedDownloads: false });
  });

  it("leaves AWS S3's region and credentials to the AWS SDK's chain when unset", () => {
    expect(loadConfig({ ...SECRET, BERTH_ARTIFACTS_URL: 's3://bucket' }).artifacts).toMatchObject({ bucket: 'bucket', prefix: '', endpoint: undefined, region: undefined, credentials: undefined, forcePathStyle: false });
  });

  it.each([
    [{ ...SECRET, BERTH_ARTIFACTS_URL: 'https://bucket/prefix' }, 'BERTH_ARTIFACTS_URL must look like s3://bucket or s3://bucket/prefix'],
    [{ ...SECRET, BERTH_ARTIFACTS_URL: 's3://Bad_Bucket' }, 'BERTH_ARTIFACTS_URL must look like s3://bucket'],
    [{ ...SECRET, BERTH_ARTIFACTS_URL: 's3://bucket', BERTH_S3_ACCESS_KEY_ID: 'id' }, 'BERTH_S3_ACCESS_KEY_ID and BERTH_S3_SECRET_ACCESS_KEY must be set together'],
    [{ ...SECRET, BERTH_ARTIFACTS_URL: 's3://bucket', BERTH_S3_ENDPOINT: 'minio:9000' }, 'BERTH_S3_ENDPOINT'],
    [{ BERTH_S3_ENDPOINT: 'http://minio:9000' }, 'BERTH_S3_ENDPOINT is set but BERTH_ARTIFACTS_URL is not'],
    [{ BERTH_ARTIFACTS_URL: 's3://bucket' }, 'BERTH_SECRET must be set when BERTH_ARTIFACTS_URL points at object storage'],
    [{ BERTH_ACCESS_LOG_SAMPLE: '0' }, 'BERTH_ACCESS_LOG_SAMPLE must be a share above 0 and at most 1'],
    [{ BERTH_ACCESS_LOG: 'yes' }, 'BERTH_ACCESS_LOG must be one of on, off'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of auto, pretty, json'],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(problemsOf(env)).toContainEqual(expect.stringContaining(message));
  });

  it('logs JSON in production and readable lines on a terminal otherwise, unless told', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });
});
