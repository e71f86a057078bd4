import type { DataSource } from 'typeorm';
import type { Logger } from '../platform/logger';

export type PredictionRole = 'main' | 'challenger';
export type PredictionSource = 'api' | 'form' | 'pipeline';

/** One row predicted by one model: what came in, what went out, how long it took. */
export interface PredictionRecord {
  deploymentId: string;
  deploymentVersion: number;
  modelId: string;
  role: PredictionRole;
  requestId: string;
  /** Position of the row in its request. */
  rowIndex: number;
  input: unknown;
  /** The prediction, or null when the model failed (`error` says why). */
  output: unknown;
  error?: string;
  latencyMs: number;
  source: PredictionSource;
  createdAt: Date;
}

const COLUMNS = ['deployment_id', 'deployment_version', 'model_id', 'role', 'request_id', 'row_index', 'input', 'output', 'error', 'latency_ms', 'source', 'created_at'];
/** PostgreSQL allows 65535 parameters per statement. */
const MAX_ROWS_PER_INSERT = Math.floor(65535 / COLUMNS.length);

/**
 * Records predictions off the latency path: rows are buffered and written in multi-row
 * inserts, flushed by size or after `flushMs`, never one insert per request.
 */
export class PredictionLog {
  private buffer: PredictionRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly options: { flushMs?: number; flushRows?: number } = {},
  ) {}

  record(records: PredictionRecord[]): void {
    this.buffer.push(...records);
    if (this.buffer.length >= (this.options.flushRows ?? 1000)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 200);
  }

  /** Writes what is buffered; resolves once every row recorded before the call is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: PredictionRecord[]): Promise<void> {
    for (let start = 0; start < batch.length; start += MAX_ROWS_PER_INSERT) {
      const chunk = batch.slice(start, start + MAX_ROWS_PER_INSERT);
      const values: unknown[] = [];
      const rows = chunk.map((r, i) => {
        values.push(r.deploymentId, r.deploymentVersion, r.modelId, r.role, r.requestId, r.rowIndex, JSON.stringify(r.input), JSON.stringify(r.output), r.error ?? null, r.latencyMs, r.source, r.createdAt);
        return `(${COLUMNS.map((_, c) => `$${i * COLUMNS.length + c + 1}`).join(', ')})`;
      });
      try {
        await this.db.query(`INSERT INTO predictions (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`, values);
      } catch (error) {
        this.logger.error({ err: error, rows: chunk.length }, 'could not write predictions to the log');
      }
    }
  }
}
