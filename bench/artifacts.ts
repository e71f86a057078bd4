import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import { LocalArtifactStore, S3ArtifactStore, type ArtifactStore, type StoredArtifact } from '../server/platform/artifacts';
import { codeVersion, positiveSetting, runBench, step } from './support';

/**
 * bench:artifacts — what object storage costs against the local folder: a pipeline's result file
 * handed to the store (adopt, as the runner does; multipart above 8 MiB on S3) and a model file
 * loaded (read: first load from the bucket, then from the replica's cache). S3 is s3rver on
 * loopback here: it measures Berth's side (hashing, spooling, the SDK), not a real network. A
 * benchmark, not a test: it prints figures and ratios to the local store and writes bench/results/.
 */
const MIB = 2 ** 20;
const fileMiB = positiveSetting('BENCH_ARTIFACT_FILE_MIB', 64);
const modelMiB = positiveSetting('BENCH_ARTIFACT_MODEL_MIB', 16);
const rounds = positiveSetting('BENCH_ROUNDS', 3);

/** A file of `size` pseudo-random bytes and its digest, as the pipeline's CSV writer leaves it. */
async function writeRandomFile(file: string, size: number, seed: number): Promise<StoredArtifact> {
  const hash = createHash('sha256');
  let state = seed;
  let sent = 0;
  const source = new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const chunk = Buffer.alloc(Math.min(MIB, size - sent));
      for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((state = (state * 1664525 + 1013904223) >>> 0), i);
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  await pipeline(source, createWriteStream(file));
  return { sha256: hash.digest('hex'), size };
}

const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

runBench(async (resources) => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-artifacts-'));
  resources.push(() => rm(scratch, { recursive: true, force: true }));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(scratch, 's3rver'), configureBuckets: [{ name: 'bench', configs: [] }], vhostBuckets: false });
  const { port } = (await s3.run()) as AddressInfo;
  resources.push(() => s3.close());

  const local = new LocalArtifactStore(path.join(scratch, 'local'));
  const s3Options = { bucket: 'bench', prefix: 'b', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true, spoolDir: path.join(scratch, 'spool') };
  const stores: Array<[string, () => ArtifactStore]> = [
    ['local', () => local],
    ['s3', () => new S3ArtifactStore({ ...s3Options, cacheDir: path.join(scratch, `cache-${Math.random()}`) })],
  ];
  await mkdir(path.join(scratch, 'files'), { recursive: true });

  const results: Record<string, { uploadMiBps: number; firstLoadMs: number; cachedLoadMs: number }> = {};
  for (const [name, make] of stores) {
    const uploads: number[] = [];
    const firstLoads: number[] = [];
    const cachedLoads: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const store = make();
      const seed = round * 7919 + name.length;
      const file = path.join(scratch, 'files', `${name}-${round}.csv`);
      const digest = await writeRandomFile(file, fileMiB * MIB, seed);
      uploads.push(await seconds(() => store.adopt(file, digest)));
      const modelFile = path.join(scratch, 'files', `${name}-${round}.bin`);
      await writeRandomFile(modelFile, modelMiB * MIB, seed + 1);
      const model = await store.put(await readFile(modelFile));
      firstLoads.push(await seconds(() => store.read(model.sha256)));
      cachedLoads.push(await seconds(() => store.read(model.sha256)));
      await store.delete(digest.sha256);
      await store.delete(model.sha256);
    }
    results[name] = { uploadMiBps: fileMiB / median(uploads), firstLoadMs: median(firstLoads) * 1000, cachedLoadMs: median(cachedLoads) * 1000 };
    step(`${name}: pipeline file (${fileMiB} MiB) to the store ${results[name]!.uploadMiBps.toFixed(0)} MiB/s; model file (${modelMiB} MiB) first load ${results[name]!.firstLoadMs.toFixed(0)} ms, cached load ${results[name]!.cachedLoadMs.toFixed(0)} ms (median of ${rounds})`);
  }
  const ratios = {
    uploadThroughputS3ToLocal: results.s3!.uploadMiBps / results.local!.uploadMiBps,
    firstLoadS3ToLocal: results.s3!.firstLoadMs / results.local!.firstLoadMs,
    cachedLoadS3ToFirst: results.s3!.cachedLoadMs / results.s3!.firstLoadMs,
  };
  // The local store adopts a finished file with a rename: its "throughput" is no transfer at all.
  console.log(`\nS3 (s3rver on loopback) vs local folder: upload throughput ×${ratios.uploadThroughputS3ToLocal.toPrecision(2)} (local: a rename), first model load ×${ratios.firstLoadS3ToLocal.toFixed(2)} the time; S3 cached load ×${ratios.cachedLoadS3ToFirst.toFixed(2)} the first`);

  const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  const date = new Date().toISOString();
  const json = `${JSON.stringify({ benchmark: 'artifacts', date, code: codeVersion(), machine: { cpus: os.cpus().length, node: process.version }, settings: { fileMiB, modelMiB, rounds, s3: 's3rver on loopback' }, results, ratios }, null, 2)}\n`;
  await writeFile(path.join(resultsDir, `artifacts-${date.replace(/[:.]/g, '-')}.json`), json);
  await writeFile(path.join(resultsDir, 'artifacts-latest.json'), json);
  console.log('written: bench/results/artifacts-latest.json');
});
