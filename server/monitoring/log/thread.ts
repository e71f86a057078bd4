import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { PredictionLogWriter } from './writer';
import { type Binning, type LogThreadData, type ToLogThread, type WriterEvent } from './records';

/** A lower CPU priority than the threads answering requests (0 is normal, 19 the lowest). */
const LOG_THREAD_NICE = 10;

/**
 * The prediction log's own thread: aggregating, serialising and inserting the log takes as much
 * CPU as answering the requests did, so it runs here instead of on the thread serving them.
 * Messages in: binnings, rows, shed counts, flush and close requests; out: progress and logs.
 */
const { databaseUrl, options } = workerData as LogThreadData;
// Serving first: on Linux a nice value is per thread, so this lowers the priority of this thread
// only. Where it cannot be set, the thread runs at the process's priority.
try {
  setPriority(LOG_THREAD_NICE);
} catch {
  // Not permitted or not supported here: nothing to do.
}
const port = parentPort!;
const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'berth prediction log', connectionTimeoutMillis: 10_000 });
// An idle connection dropped by the server must not take the thread down; the next write retries.
pool.on('error', () => undefined);
const binnings = new Map<string, Binning>();
const report = (event: WriterEvent) => port.postMessage(event);
const writer = new PredictionLogWriter(pool, binnings, report, options);

port.on('message', (message: ToLogThread) => {
  switch (message.type) {
    case 'binning':
      writer.setBinning(message.modelId, message.binning);
      break;
    case 'adopt':
      writer.adopt(message.folder);
      break;
    case 'rows':
      writer.record(message.json, message.rows);
      break;
    case 'run':
      writer.recordRun(message.run);
      break;
    case 'shed':
      writer.recordShed(message.entry);
      break;
    case 'flush':
      writer.flushSoon();
      break;
    case 'close':
      void close(message.deadline);
      break;
  }
});

/** Writes what it can until `deadline`, then lets go whatever still hangs: shutdown must end. */
async function close(deadline: number): Promise<void> {
  const until = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
  await Promise.race([writer.drain(deadline), until(deadline - Date.now())]);
  const kept = await writer.leaveForNextStart();
  await Promise.race([pool.end().catch(() => undefined), until(2000)]);
  port.postMessage({ type: 'closed', kept });
}
