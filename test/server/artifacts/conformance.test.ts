import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactCorruptError, ArtifactMissingError, ArtifactStoreUnavailableError, ArtifactTooLargeError, LocalArtifactStore, S3ArtifactStore, type ArtifactStore } from '../../../server/platform/artifacts';
import { removeTestS3, S3_CREDENTIALS, startTestS3 } from '../../support/s3';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const collect = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
/** A stream of `size` pseudo-random bytes in 64 KiB chunks, never held whole. */
const randomStream = (size: number, seed = 1) => {
  let sent = 0;
  let state = seed;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const chunk = Buffer.alloc(Math.min(65536, size - sent));
      for (let i = 0; i < chunk.length; i++) chunk[i] = (state = (state * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      sent += chunk.length;
      this.push(chunk);
    },
  });
};

interface Backend {
  store: ArtifactStore;
  /** Replaces an artifact's stored bytes behind the store's back. */
  tamper(sha256: string, bytes: Uint8Array): Promise<void>;
  /** Deletes an artifact behind the store's back. */
  remove(sha256: string): Promise<void>;
  /** Files the store left in its scratch folder. */
  leftovers(): Promise<string[]>;
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'berth-artifacts-'));
const s3 = await startTestS3(['conformance']);
afterAll(async () => {
  await removeTestS3(s3);
  await rm(scratch, { recursive: true, force: true });
});
const raw = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
const listFiles = async (folder: string) => readdir(folder, { recursive: true }).catch(() => [] as string[]);

const local = (): Backend => {
  const root = path.join(scratch, 'local');
  const store = new LocalArtifactStore(root);
  return {
    store,
    tamper: (sha256, bytes) => writeFile(store.locationOf(sha256), bytes),
    remove: (sha256) => rm(store.locationOf(sha256)),
    leftovers: () => listFiles(path.join(root, 'tmp')),
  };
};
const objectStorage = (): Backend => {
  const spoolDir = path.join(scratch, 's3-spool');
  // 5 MiB parts (S3's smallest) so a 12 MiB artifact goes up as a multipart upload.
  const store = new S3ArtifactStore({ bucket: 'conformance', prefix: 'suite/a', endpoint: s3.endpoint, region: 'us-east-1', credentials: S3_CREDENTIALS, forcePathStyle: true, spoolDir, partBytes: 5 * 1024 * 1024 });
  const key = (sha256: string) => store.locationOf(sha256).replace('s3://conformance/', '');
  return {
    store,
    tamper: async (sha256, bytes) => void (await raw.send(new PutObjectCommand({ Bucket: 'conformance', Key: key(sha256), Body: bytes }))),
    remove: async (sha256) => void (await raw.send(new DeleteObjectCommand({ Bucket: 'conformance', Key: key(sha256) }))),
    leftovers: () => listFiles(spoolDir),
  };
};

describe.each([
  ['local folder', local],
  ['S3-compatible storage', objectStorage],
])('artifact store conformance: %s', (_name, make) => {
  const { store, tamper, remove, leftovers } = make();

  it('is usable and says where it stores', async () => {
    await store.check();
    expect(store.description).toMatch(/folder|s3:\/\//);
  });

  it('stores bytes under their SHA-256 and reads them back, whole and as a stream', async () => {
    const bytes = Buffer.from('island,beak\nBiscoe,39.1\n');
    const stored = await store.put(bytes);
    expect(stored).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(await store.has(stored.sha256)).toBe(true);
    expect(await store.read(stored.sha256)).toEqual(bytes);
    expect(await collect(store.open(stored.sha256))).toEqual(bytes);
    // The same content again is the same artifact.
    expect(await store.put(Readable.from([bytes]))).toEqual(stored);
  });

  it('streams a large artifact in and out (multipart on S3) with the hash checked', async () => {
    const size = 12 * 1024 * 1024 + 17;
    const stored = await store.put(randomStream(size, 7));
    expect(stored.size).toBe(size);
    const hash = createHash('sha256');
    let total = 0;
    for await (const chunk of store.open(stored.sha256)) {
      hash.update(chunk as Buffer);
      total += (chunk as Buffer).length;
    }
    expect(total).toBe(size);
    expect(hash.digest('hex')).toBe(stored.sha256);
    await store.delete(stored.sha256);
  });

  it('refuses content past maxBytes and publishes nothing, leaving no scratch file', async () => {
    const before = await leftovers();
    await expect(store.put(randomStream(100_000, 3), { maxBytes: 50_000 })).rejects.toBeInstanceOf(ArtifactTooLargeError);
    const complete = await collect(randomStream(100_000, 3));
    expect(await store.has(sha(complete))).toBe(false);
    expect(await leftovers()).toEqual(before);
  });

  it('a failing source stream publishes nothing', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('client went away')); } });
    await expect(store.put(failing)).rejects.toThrow(/client went away/);
    expect(await leftovers()).toEqual([]);
  });

  it('adopts a finished file by the digest its writer computed, and takes the file away', async () => {
    const bytes = Buffer.from('prediction\nAdelie\n');
    const file = path.join(scratch, `adopt-${Math.random()}.csv`);
    await pipeline(Readable.from([bytes]), createWriteStream(file));
    const stored = await store.adopt(file, { sha256: sha(bytes), size: bytes.length });
    expect(stored).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(await store.read(stored.sha256)).toEqual(bytes);
    expect((await listFiles(scratch)).some((f) => f.endsWith(path.basename(file)))).toBe(false);
  });

  it('detects content changed in storage, on read and at the end of a stream', async () => {
    const bytes = Buffer.from('original content');
    const stored = await store.put(bytes);
    await tamper(stored.sha256, Buffer.from('tampered content'));
    await expect(store.read(stored.sha256)).rejects.toBeInstanceOf(ArtifactCorruptError);
    await expect(collect(store.open(stored.sha256))).rejects.toBeInstanceOf(ArtifactCorruptError);
  });

  it('names the missing artifact by its location when it was deleted behind its back', async () => {
    const stored = await store.put(Buffer.from('soon gone'));
    await remove(stored.sha256);
    expect(await store.has(stored.sha256)).toBe(false);
    const location = store.locationOf(stored.sha256);
    expect(location).toContain(stored.sha256);
    await expect(store.read(stored.sha256)).rejects.toThrow(new ArtifactMissingError(stored.sha256, location).message);
    await expect(collect(store.open(stored.sha256))).rejects.toBeInstanceOf(ArtifactMissingError);
  });

  it('deletes, and deleting what is absent is no error', async () => {
    const stored = await store.put(Buffer.from('to delete'));
    await store.delete(stored.sha256);
    expect(await store.has(stored.sha256)).toBe(false);
    await store.delete(stored.sha256);
  });

  it('refuses a name that is not a SHA-256', async () => {
    await expect(store.read('../../etc/passwd')).rejects.toThrow(/not an artifact hash/);
  });
});

describe('S3-compatible storage: the local cache of what was read', () => {
  const cacheDir = path.join(scratch, 's3-cache');
  const store = new S3ArtifactStore({ bucket: 'conformance', prefix: 'cached', endpoint: s3.endpoint, region: 'us-east-1', credentials: S3_CREDENTIALS, forcePathStyle: true, spoolDir: path.join(scratch, 'cache-spool'), cacheDir });
  const key = (sha256: string) => store.locationOf(sha256).replace('s3://conformance/', '');

  it('serves a second read from the cache, and fetches again when the cached copy is damaged', async () => {
    const bytes = Buffer.from('model weights');
    const stored = await store.put(bytes);
    expect(await store.read(stored.sha256)).toEqual(bytes);
    // Gone from the bucket: the copy this disk cached still loads (content addressing: it cannot be stale).
    await raw.send(new DeleteObjectCommand({ Bucket: 'conformance', Key: key(stored.sha256) }));
    expect(await store.read(stored.sha256)).toEqual(bytes);
    // A damaged cached copy is not trusted: the bucket is asked, which no longer has it.
    const [cached] = (await listFiles(cacheDir)).filter((f) => f.endsWith(stored.sha256));
    await writeFile(path.join(cacheDir, cached!), 'damaged');
    await expect(store.read(stored.sha256)).rejects.toBeInstanceOf(ArtifactMissingError);
  });
});

describe('S3-compatible storage faults', () => {
  const options = { bucket: 'conformance', prefix: 'faults', endpoint: s3.endpoint, region: 'us-east-1', credentials: S3_CREDENTIALS, forcePathStyle: true, spoolDir: path.join(scratch, 'fault-spool') };

  it('names a bucket that does not exist', async () => {
    const store = new S3ArtifactStore({ ...options, bucket: 'no-such-bucket' });
    await expect(store.check()).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
    await expect(store.put(Buffer.from('x'))).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
  });

  // s3rver checks the access key id but not every part of a V4 signature: an unknown key it refuses.
  it('names refused credentials as such', async () => {
    const store = new S3ArtifactStore({ ...options, credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'not-the-secret' } });
    const refusal = store.check();
    await expect(refusal).rejects.toBeInstanceOf(ArtifactStoreUnavailableError);
    await expect(refusal).rejects.toThrow(/credentials were refused/);
  });

  it('publishes nothing when the connection to storage dies in the middle of a multipart upload', async () => {
    // A TCP relay to s3rver that cuts every connection once 7 MiB went through, and refuses from then on.
    let relayed = 0;
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      if (relayed > 7 * 1024 * 1024) return void client.destroy();
      const upstream = connect(s3.port, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
      }
      client.on('data', (chunk: Buffer) => {
        relayed += chunk.length;
        if (relayed > 7 * 1024 * 1024) for (const socket of sockets) socket.destroy();
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as AddressInfo;
    const spoolDir = path.join(scratch, 'cut-spool');
    const store = new S3ArtifactStore({ ...options, endpoint: `http://127.0.0.1:${port}`, spoolDir, partBytes: 5 * 1024 * 1024 });
    const content = await collect(randomStream(16 * 1024 * 1024, 11));
    try {
      await expect(store.put(content)).rejects.toThrow(/Artifact storage is unavailable: .*unreachable or failing/);
    } finally {
      relay.close();
    }
    const direct = new S3ArtifactStore({ ...options, spoolDir });
    expect(await direct.has(sha(content))).toBe(false);
    expect(await listFiles(spoolDir)).toEqual([]);
  });

  it('says the endpoint is unreachable, and publishes nothing of an upload that could not be sent', async () => {
    const closed = await startTestS3([]);
    await closed.stop();
    const store = new S3ArtifactStore({ ...options, endpoint: closed.endpoint });
    await expect(store.check()).rejects.toThrow(/unreachable/);
    await expect(store.put(Buffer.from('never published'))).rejects.toThrow(/unreachable/);
    expect(await listFiles(options.spoolDir)).toEqual([]);
    await removeTestS3(closed);
  });
});
