import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readCsvRows } from '../../ml/csv';
import type { Prediction } from '../../ml/types';
import { parseNumber } from '../../ml/values';
import { type PredictionRecord, type RunPredictions } from './records';

/** Rows per request id, as the run predicted them (one chunk). */
const ROWS_PER_REQUEST = 1000;

/**
 * Reads a run's result files back as prediction records, a few at a time: the main and the
 * challenger file row by row together (same rows, same order), each pair under one request id
 * per 1 000 rows, so agreement is computed as for an API request. Reading the files the run
 * wrote anyway, instead of the run sending every row to the log, keeps the run's thread free.
 */
export class RunFileReader {
  /** Records read so far (main and challenger). */
  private read = 0;
  private requestId = randomUUID();
  private readonly main: AsyncIterator<Record<string, string | null>>;
  private readonly challenger: AsyncIterator<Record<string, string | null>> | undefined;

  constructor(private readonly run: RunPredictions) {
    this.main = readCsvRows(createReadStream(run.main.file), { fileName: 'main.csv' })[Symbol.asyncIterator]();
    this.challenger = run.challenger ? readCsvRows(createReadStream(run.challenger.file), { fileName: 'challenger.csv' })[Symbol.asyncIterator]() : undefined;
  }

  /** Rows read so far. */
  get rowsRead(): number {
    return this.read / this.recordsPerRow;
  }

  /** Passes over `rows` rows (read into the log before a restart). */
  async skip(rows: number): Promise<void> {
    for (let n = 0; n < rows; n++) {
      if ((await this.main.next()).done) return;
      if (this.challenger) await this.challenger.next();
      this.read += this.recordsPerRow;
    }
  }

  /** Records of every file per row. */
  get recordsPerRow(): number {
    return this.run.challenger ? 2 : 1;
  }

  /** Up to `rows` rows' records (fewer at the end of the files). */
  async next(rows: number): Promise<PredictionRecord[]> {
    const records: PredictionRecord[] = [];
    const { run } = this;
    for (let n = 0; n < rows; n++) {
      const row = this.read / this.recordsPerRow;
      const main = await this.main.next();
      if (main.done) break;
      if (row > 0 && row % ROWS_PER_REQUEST === 0) this.requestId = randomUUID();
      const input: Record<string, unknown> = {};
      for (const { name, numeric } of run.features) {
        const value = main.value[name] ?? null;
        input[name] = numeric && value !== null ? (parseNumber(value) ?? value) : value;
      }
      const createdAt = new Date(run.startedAt + ((run.finishedAt - run.startedAt) * row) / Math.max(1, run.rows));
      const shared = { deploymentId: run.deploymentId, deploymentVersion: run.deploymentVersion, requestId: this.requestId, rowIndex: row % ROWS_PER_REQUEST, input, latencyMs: 0, source: 'pipeline' as const, createdAt };
      const mainOutput = this.output(main.value);
      records.push({ ...shared, modelId: run.main.modelId, role: 'main', output: mainOutput, binning: run.main.binning });
      if (this.challenger && run.challenger) {
        const challenger = await this.challenger.next();
        if (challenger.done) throw new Error(`the challenger's result file of the run ends before the main one, at row ${row + 1}`);
        records.push({ ...shared, modelId: run.challenger.modelId, role: 'challenger', output: this.output(challenger.value), mainOutput, binning: run.challenger.binning });
      }
      this.read += this.recordsPerRow;
    }
    return records;
  }

  private output(line: Record<string, string | null>): Prediction {
    if (this.run.regression) return { prediction: Number(line.prediction) };
    const probabilities: Record<string, number> = {};
    for (const label of this.run.labels) probabilities[label] = Number(line[`probability_${label}`]);
    return { prediction: line.prediction ?? '', probabilities };
  }

  async close(): Promise<void> {
    await this.main.return?.();
    await this.challenger?.return?.();
  }
}
