import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** s3rver's fixed credentials: it checks every request's signature against them. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  port: number;
  /** The folder s3rver keeps objects in: tests change or delete objects behind Berth's back there or with a client. */
  directory: string;
  /** Stops answering (the endpoint becomes unreachable); `start` brings it back on the same port with the same objects. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The environment a Berth needs to use `bucket` on this server. */
  env(bucket: string, prefix?: string): Record<string, string>;
}

/** An S3-compatible server on loopback (s3rver speaks the S3 REST protocol), with `buckets` created; S3RVER_LOG=1 prints its log. */
export async function startTestS3(buckets: string[], port = 0): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'berth-s3-'));
  let server: S3rver | undefined;
  const state = { port };
  const start = async () => {
    server = new S3rver({ address: '127.0.0.1', port: state.port, silent: !process.env.S3RVER_LOG, directory, configureBuckets: buckets.map((name) => ({ name, configs: [] })), vhostBuckets: false });
    const address = (await server.run()) as AddressInfo;
    state.port = address.port;
  };
  await start();
  const stop = async () => {
    await server?.close();
    server = undefined;
  };
  const endpoint = `http://127.0.0.1:${state.port}`;
  return {
    endpoint,
    port: state.port,
    directory,
    stop,
    start,
    env: (bucket, prefix = 'berth') => ({
      BERTH_ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      BERTH_S3_ENDPOINT: endpoint,
      BERTH_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      BERTH_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    }),
  };
}

export async function removeTestS3(s3: TestS3): Promise<void> {
  await s3.stop();
  await rm(s3.directory, { recursive: true, force: true });
}
