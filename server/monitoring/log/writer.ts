import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { unpack, WireBatch } from './wire';
import { RunFileReader } from './run-files';
import { LEFT_MARKER, type Binning, type Lane, type LaneCounts, type PredictionRecord, type RunPredictions, type WriterEvent, type WriterOptions } from './records';
import { aggregate, newCounts } from './aggregate';
import { isForeignKeyViolation, isRejection, writeBatch, type LogConnection } from './batch-transaction';
import { spillFileRows, spillLine, spillMessage } from './spill-files';

/** A PostgreSQL pool (pg). */
export interface LogDatabase {
  connect(): Promise<LogConnection>;
}

interface ShedEntry {
  deploymentId: string;
  modelId: string;
  hour: string;
  rows: number;
}

interface SpillFile {
  file: string;
  rows: number;
}

interface QueuedRun {
  run: RunPredictions;
  /** Records still to read. */
  rows: number;
  /** Where the run and how far it was read are kept, for a log that takes over after a stop. */
  manifest: string;
  /** Rows read before (by a log that stopped), passed over. */
  skipRows: number;
  reader?: RunFileReader;
}

/** A run's manifest on disk: the run, and the rows already read into the log (written, or kept in a spill file). */
interface RunManifest {
  run: RunPredictions;
  rowsRead: number;
}

/** What a log leaves for the next one: its models' binnings, and a marker that it stopped. */
const BINNINGS_FILE = 'binnings.json';
/** Rows per message when a stopping log writes its memory out. */
const ROWS_PER_KEPT_MESSAGE = 1000;

const MAX_ROWS_PER_FLUSH = 20_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
const WRITE_TIMEOUT_MS = 60_000;

/**
 * Writes the prediction log and keeps the hourly (and daily) aggregates every chart reads; it
 * runs on the log's own thread (thread.ts), off the request path.
 * Rows are written in one COPY per batch, flushed by size or after `flushMs`, together with the
 * aggregate increments they make, in one transaction: the aggregates always equal what the rows
 * say, and the log is never rescanned. When the database is away, the batch is kept and retried.
 * At most `maxBufferedRows` rows are held in memory: live messages beyond wait in spill files
 * under `spillDir`, and pipeline runs' result files are read a little at a time.
 */
export class PredictionLogWriter {
  private readonly buffers: Record<Lane, PredictionRecord[]> = { live: [], runs: [] };
  /** Spill files of live messages, oldest first, one message per line; the newest still open. */
  private readonly spillFiles: SpillFile[] = [];
  private spillOpen: (SpillFile & { fd: number }) | undefined;
  private spillSequence = 0;
  private readonly runs: QueuedRun[] = [];
  private shed = new Map<string, ShedEntry>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private retryMs = RETRY_MIN_MS;
  private failedFlushes = 0;
  private readonly partitions = new Set<string>();
  private readonly counts: Record<Lane, LaneCounts> = { live: { written: 0, lost: 0, discarded: 0 }, runs: { written: 0, lost: 0, discarded: 0 } };

  constructor(
    private readonly db: LogDatabase,
    /** Per model id (shared with the thread, which keeps it up to date). */
    private readonly binnings: Map<string, Binning>,
    private readonly report: (event: WriterEvent) => void,
    private readonly options: WriterOptions,
  ) {}

  /** A message of `rows` rows from the serving thread (prediction-log-wire.ts). */
  record(json: string, rows: number): void {
    // Once live rows are on disk, newer ones queue behind them: each lane keeps its order.
    if (this.spilledLiveRows() > 0 || this.buffered() + rows > this.options.maxBufferedRows) this.spill(json, rows);
    else this.take(json);
    this.kick(this.buffered() >= this.options.flushRows ? 0 : this.options.flushMs);
  }

  /** A succeeded pipeline run's result files: read back a little at a time. */
  recordRun(run: RunPredictions): void {
    const manifest = path.join(this.options.spillDir, `${path.basename(run.main.file, '.csv')}.json`);
    this.saveManifest(manifest, { run, rowsRead: 0 });
    this.runs.push({ run, rows: run.rows * (run.challenger ? 2 : 1), manifest, skipRows: 0 });
    this.kick(0);
  }

  /** A model's binning, from the serving thread; saved with spilled rows, which need it. */
  setBinning(modelId: string, binning: Binning): void {
    this.binnings.set(modelId, binning);
    if (this.spilledLiveRows() > 0) this.saveBinnings();
  }

  /**
   * Takes over the spill folder a stopped log left (claimed by moving it to `folder`): its
   * binnings, its spilled messages (before anything spilled here) and its runs from where they
   * were read. What it holds counts as recorded here from now on.
   */
  adopt(folder: string): void {
    const rows: Record<Lane, number> = { live: 0, runs: 0 };
    let unreadable = false;
    const problem = (file: string, error: unknown) => {
      unreadable = true;
      this.report({ type: 'log', level: 'error', data: { folder, file, error: (error as Error).message }, message: 'a file a stopped log left could not be read; it is kept for a person to look at' });
    };
    const binningsFile = path.join(folder, BINNINGS_FILE);
    if (existsSync(binningsFile)) {
      try {
        const saved = JSON.parse(readFileSync(binningsFile, 'utf8')) as Record<string, Binning>;
        for (const [modelId, binning] of Object.entries(saved)) if (!this.binnings.has(modelId)) this.binnings.set(modelId, binning);
      } catch (error) {
        // The rows are still written, their drift histograms are not.
        problem(BINNINGS_FILE, error);
      }
    }
    const names = readdirSync(folder).sort();
    const adopted: SpillFile[] = [];
    for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
      try {
        const spilled = { file: path.join(this.options.spillDir, `adopted-${path.basename(folder)}-${name}`), rows: spillFileRows(path.join(folder, name)) };
        renameSync(path.join(folder, name), spilled.file);
        adopted.push(spilled);
        rows.live += spilled.rows;
      } catch (error) {
        problem(name, error);
      }
    }
    // Older than anything spilled here: they go first.
    this.spillFiles.unshift(...adopted);
    if (adopted.length > 0) this.saveBinnings();
    for (const name of names.filter((n) => n.startsWith('run-') && n.endsWith('.json'))) {
      try {
        const { run, rowsRead } = JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as RunManifest;
        const move = (file: string) => {
          const moved = path.join(this.options.spillDir, path.basename(file));
          renameSync(path.join(folder, path.basename(file)), moved);
          return moved;
        };
        const taken: RunPredictions = { ...run, main: { ...run.main, file: move(run.main.file) }, challenger: run.challenger && { ...run.challenger, file: move(run.challenger.file) } };
        const manifest = path.join(this.options.spillDir, name);
        this.saveManifest(manifest, { run: taken, rowsRead });
        rmSync(path.join(folder, name));
        const records = (run.rows - rowsRead) * (run.challenger ? 2 : 1);
        this.runs.push({ run: taken, rows: records, manifest, skipRows: rowsRead });
        rows.runs += records;
      } catch (error) {
        problem(name, error);
      }
    }
    // What could not be read goes where no log takes it again, and a person can find it.
    if (unreadable) renameSync(folder, path.join(path.dirname(this.options.spillDir), `unreadable-${path.basename(folder)}`));
    else rmSync(folder, { recursive: true, force: true });
    this.report({ type: 'adopted', rows });
    if (rows.live + rows.runs > 0) {
      this.report({ type: 'log', level: 'warn', data: { folder, rows: rows.live + rows.runs }, message: 'writing the predictions a stopped log left on disk' });
      this.kick(0);
    }
  }

  /** Challenger rows shed by a full queue: counted in the aggregates, never silently lost. */
  recordShed(entry: ShedEntry): void {
    const key = `${entry.deploymentId}|${entry.modelId}|${entry.hour}`;
    const existing = this.shed.get(key);
    if (existing) existing.rows += entry.rows;
    else this.shed.set(key, { ...entry });
    this.kick(this.options.flushMs);
  }

  /** Starts writing now rather than after `flushMs`. */
  flushSoon(): void {
    this.kick(0);
  }

  /** Writes everything recorded, retrying while the database is away, until `deadline` (ms). */
  async drain(deadline: number): Promise<void> {
    while ((this.pending() > 0 || this.shed.size > 0 || this.writing) && Date.now() < deadline) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await (this.writing ?? this.writeOnce());
    }
  }

  /** Rows recorded and not written, in memory and on disk. */
  pending(): number {
    return this.buffered() + this.onDisk();
  }

  /**
   * At exit: what could not be written stays on disk for the next start (returns how many rows):
   * the rows in memory are written to a spill file that sorts before the others, runs keep their
   * manifests, binnings are saved, and a marker says nobody writes here any more. An empty
   * spill folder is removed.
   */
  async leaveForNextStart(): Promise<number> {
    for (const queued of this.runs) await queued.reader?.close();
    const inMemory = [...this.buffers.live, ...this.buffers.runs];
    this.buffers.live = [];
    this.buffers.runs = [];
    if (inMemory.length > 0) {
      mkdirSync(this.options.spillDir, { recursive: true });
      const file = path.join(this.options.spillDir, `${'0'.repeat(10)}.jsonl`);
      let text = '';
      for (let i = 0; i < inMemory.length; i += ROWS_PER_KEPT_MESSAGE) {
        const batch = new WireBatch();
        for (const record of inMemory.slice(i, i + ROWS_PER_KEPT_MESSAGE)) {
          // Run records carry their run's binnings: the next start needs them too.
          if (!this.binnings.has(record.modelId)) this.binnings.set(record.modelId, record.binning);
          batch.add(record);
        }
        text += spillLine(batch.toJSON(), batch.rows);
      }
      writeFileSync(file, text);
      this.spillFiles.unshift({ file, rows: inMemory.length });
    }
    this.closeSpillFile();
    const kept = this.pending();
    if (kept === 0) {
      rmSync(this.options.spillDir, { recursive: true, force: true });
      return 0;
    }
    this.saveBinnings();
    writeFileSync(path.join(this.options.spillDir, LEFT_MARKER), '');
    return kept;
  }

  private buffered(): number {
    return this.buffers.live.length + this.buffers.runs.length;
  }

  private spilledLiveRows(): number {
    return this.spillFiles.reduce((sum, f) => sum + f.rows, 0) + (this.spillOpen?.rows ?? 0);
  }

  private onDisk(): number {
    return this.spilledLiveRows() + this.runs.reduce((sum, r) => sum + r.rows, 0);
  }

  private readonly binningOf = (modelId: string): Binning => this.binnings.get(modelId) ?? { profile: null, predictions: null };

  private take(json: string): void {
    for (const record of unpack(json, this.binningOf)) this.buffers.live.push(record);
  }

  /** The binnings the spilled rows need, replaced whole (a stop halfway leaves the old file). */
  private saveBinnings(): void {
    mkdirSync(this.options.spillDir, { recursive: true });
    const file = path.join(this.options.spillDir, BINNINGS_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(this.binnings)));
    renameSync(`${file}.tmp`, file);
  }

  private saveManifest(file: string, manifest: RunManifest): void {
    writeFileSync(`${file}.tmp`, JSON.stringify(manifest));
    renameSync(`${file}.tmp`, file);
  }

  /**
   * Appends a message to the open spill file as it came (no parsing: a burst that outpaces the
   * database must not also pay for that). Synchronous: this thread has nothing else to do
   * meanwhile, and nothing waits in memory for the disk.
   */
  private spill(json: string, rows: number): void {
    if (!this.spillOpen) {
      mkdirSync(this.options.spillDir, { recursive: true });
      const file = path.join(this.options.spillDir, `${String(++this.spillSequence).padStart(10, '0')}.jsonl`);
      this.spillOpen = { file, rows: 0, fd: openSync(file, 'a') };
      this.saveBinnings();
    }
    writeSync(this.spillOpen.fd, spillLine(json, rows));
    this.spillOpen.rows += rows;
    // A quarter of the memory bound per file: reading one back fits in memory.
    if (this.spillOpen.rows >= this.options.maxBufferedRows / 4) this.closeSpillFile();
  }

  private closeSpillFile(): void {
    if (!this.spillOpen) return;
    closeSync(this.spillOpen.fd);
    this.spillFiles.push({ file: this.spillOpen.file, rows: this.spillOpen.rows });
    this.spillOpen = undefined;
  }

  /** Moves rows from disk into memory while there is room: spilled live rows first, then runs. */
  private async unspill(): Promise<void> {
    for (;;) {
      if (this.spillFiles.length === 0) this.closeSpillFile();
      const next = this.spillFiles[0];
      if (!next) break;
      if (this.buffered() > 0 && this.buffered() + next.rows > this.options.maxBufferedRows) return;
      this.spillFiles.shift();
      // Read, then removed: once in memory, the rows are this log's to write (never twice).
      for (const line of readFileSync(next.file, 'utf8').split('\n')) {
        if (!line) continue;
        const message = spillMessage(line);
        try {
          this.take(message.json);
        } catch (error) {
          // A line cut short (a process killed while writing it) must not stop the others.
          this.counts.live.lost += message.rows;
          this.report({ type: 'log', level: 'error', data: { file: next.file, error: (error as Error).message, rows: message.rows }, message: 'a spilled message could not be read; its rows are counted as lost' });
        }
      }
      unlinkSync(next.file);
    }
    while (this.runs.length > 0 && this.buffered() < this.options.maxBufferedRows) await this.readRun(this.runs[0]!, this.options.maxBufferedRows - this.buffered());
  }

  /** Reads up to `room` records of the oldest run into memory; drops the run once read through. */
  private async readRun(queued: QueuedRun, room: number): Promise<void> {
    const { run } = queued;
    try {
      if (!queued.reader) {
        queued.reader = new RunFileReader(run);
        await queued.reader.skip(queued.skipRows);
      }
      const records = await queued.reader.next(Math.max(1, Math.floor(room / queued.reader.recordsPerRow)));
      for (const record of records) this.buffers.runs.push(record);
      queued.rows -= records.length;
      // Read into memory: a stop from now on keeps them in a spill file, not in the run's files.
      this.saveManifest(queued.manifest, { run, rowsRead: queued.reader.rowsRead });
      if (records.length > 0 && queued.rows > 0) return;
    } catch (error) {
      // Unreadable result files are not an outage: count what they held as lost, and go on.
      this.report({ type: 'log', level: 'error', data: { error: (error as Error).message, rows: queued.rows }, message: "a pipeline run's predictions could not be read back; they are counted as lost" });
    }
    // Fewer rows than announced (or unreadable files) would leave the log waiting for them.
    this.counts.runs.lost += queued.rows;
    await queued.reader?.close();
    this.runs.shift();
    await Promise.all([run.main.file, run.challenger?.file, queued.manifest].map((file) => file && rm(file, { force: true })));
  }

  private kick(delayMs: number): void {
    if (this.writing || (this.timer && delayMs > 0)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeOnce();
    }, delayMs);
  }

  private writeOnce(): Promise<void> {
    if (this.writing) return this.writing;
    // Bounded transactions: a backlog is written in several, so none grows with the backlog.
    let live: PredictionRecord[] = [];
    let runs: PredictionRecord[] = [];
    let shed: ShedEntry[] = [];
    this.writing = this.unspill()
      .then(() => {
        live = this.buffers.live.splice(0, MAX_ROWS_PER_FLUSH);
        runs = this.buffers.runs.splice(0, MAX_ROWS_PER_FLUSH - live.length);
        shed = [...this.shed.values()];
        this.shed = new Map();
        return this.write(live.length === 0 ? runs : runs.length === 0 ? live : [...live, ...runs], shed);
      })
      .then(() => {
        this.counts.live.written += live.length;
        this.counts.runs.written += runs.length;
        this.retryMs = RETRY_MIN_MS;
      })
      .catch(async (error) => {
        // A deployment deleted while its rows waited: drop those, write the others at once.
        if (isForeignKeyViolation(error) && (await this.dropDeletedDeployments(live, runs, shed).catch(() => false))) return;
        if (isRejection(error)) {
          // The database refuses these rows (a bug of ours): retrying would block the log forever.
          this.counts.live.lost += live.length;
          this.counts.runs.lost += runs.length;
          this.report({ type: 'log', level: 'error', data: { error: (error as Error).message, rows: live.length + runs.length }, message: 'the database rejected predictions; they are counted as lost' });
          return;
        }
        // Keep the rows, oldest first, and try again later.
        this.buffers.live.unshift(...live);
        this.buffers.runs.unshift(...runs);
        for (const entry of shed) this.recordShed(entry);
        this.failedFlushes++;
        // The message only: the error would carry every value of the failed INSERT.
        this.report({ type: 'log', level: 'warn', data: { error: (error as Error).message, rows: live.length + runs.length, retryInMs: this.retryMs }, message: 'could not write predictions; will retry' });
        return new Promise<void>((resolve) => setTimeout(resolve, this.retryMs)).then(() => {
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        });
      })
      .finally(() => {
        this.writing = undefined;
        this.report({ type: 'progress', lanes: this.counts, failedFlushes: this.failedFlushes, spilled: this.onDisk() });
        if (this.pending() > 0 || this.shed.size > 0) this.kick(this.pending() >= this.options.flushRows ? 0 : this.options.flushMs);
      });
    return this.writing;
  }

  /**
   * Puts back the rows and shed counts of a failed batch whose deployments still exist, counting
   * the others as discarded. False when every deployment exists (the refusal has another cause).
   */
  private async dropDeletedDeployments(live: PredictionRecord[], runs: PredictionRecord[], shed: ShedEntry[]): Promise<boolean> {
    const ids = [...new Set([...live, ...runs, ...shed].map((r) => r.deploymentId))];
    const connection = await this.db.connect();
    let existing: Set<string>;
    try {
      const { rows } = (await connection.query('SELECT id FROM deployments WHERE id = ANY($1::uuid[])', [ids])) as { rows: Array<{ id: string }> };
      existing = new Set(rows.map((r) => r.id));
    } finally {
      connection.release();
    }
    if (ids.every((id) => existing.has(id))) return false;
    const kept = { live: live.filter((r) => existing.has(r.deploymentId)), runs: runs.filter((r) => existing.has(r.deploymentId)) };
    this.counts.live.discarded += live.length - kept.live.length;
    this.counts.runs.discarded += runs.length - kept.runs.length;
    this.buffers.live.unshift(...kept.live);
    this.buffers.runs.unshift(...kept.runs);
    for (const entry of shed) if (existing.has(entry.deploymentId)) this.recordShed(entry);
    const discarded = live.length + runs.length - kept.live.length - kept.runs.length;
    this.report({ type: 'log', level: 'warn', data: { rows: discarded, deployments: ids.filter((id) => !existing.has(id)) }, message: 'predictions of deleted deployments were dropped; the rest of the batch is written' });
    return true;
  }

  private async write(batch: PredictionRecord[], shed: ShedEntry[]): Promise<void> {
    if (batch.length === 0 && shed.length === 0) return;
    const aggregates = aggregate(batch);
    for (const entry of shed) {
      const key = `${entry.deploymentId}|challenger|${entry.modelId}|${entry.hour}`;
      const counts = aggregates.counts.get(key) ?? newCounts(entry.deploymentId, 'challenger', entry.modelId, entry.hour);
      counts.shed += entry.rows;
      aggregates.counts.set(key, counts);
    }
    const days = new Set(batch.map((r) => r.createdAt.toISOString().slice(0, 10)));
    const tx = await this.db.connect();
    let timer: NodeJS.Timeout | undefined;
    // A connection cut in the middle of a COPY may never answer: give up on it after a while.
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`writing ${batch.length} predictions took more than ${WRITE_TIMEOUT_MS / 1000} s`)), WRITE_TIMEOUT_MS);
    });
    try {
      await Promise.race([writeBatch(tx, batch, days, aggregates, this.partitions), timedOut]);
      tx.release();
    } catch (error) {
      // Closing the connection rolls the transaction back, even on a connection that hangs.
      tx.release(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
