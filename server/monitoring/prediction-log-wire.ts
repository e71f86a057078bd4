import type { LoggedPrediction, PredictionRecord } from './prediction-log';

/**
 * How recorded rows travel to the log's thread: one JSON string per message (cheaper to copy
 * than a structured clone), compact because the serving thread pays for every byte of it. Rows
 * of one request and model share their fields in a group; inputs and outputs are stored once
 * each (a challenger row has the same input as its main row, and carries the main's output).
 */
export interface WireMessage {
  /** Each input and output object once. */
  values: unknown[];
  groups: WireGroup[];
}

interface WireGroup extends Omit<LoggedPrediction, 'rowIndex' | 'input' | 'output' | 'mainOutput'> {
  /** Per row: row index, then the indexes in `values` of its input, output and main output (-1: none). */
  rows: number[];
}

const FIELDS_PER_ROW = 4;

/** Builds one message from records, on the serving thread. */
export class WireBatch {
  rows = 0;
  private readonly message: WireMessage = { values: [], groups: [] };
  private readonly indexes = new Map<unknown, number>();

  add(r: PredictionRecord): void {
    const createdAt = r.createdAt.getTime();
    let group = this.message.groups.at(-1);
    if (
      !group ||
      group.requestId !== r.requestId ||
      group.modelId !== r.modelId ||
      group.role !== r.role ||
      group.deploymentId !== r.deploymentId ||
      group.deploymentVersion !== r.deploymentVersion ||
      group.source !== r.source ||
      group.createdAt !== createdAt ||
      group.latencyMs !== r.latencyMs ||
      group.error !== r.error
    ) {
      group = { deploymentId: r.deploymentId, deploymentVersion: r.deploymentVersion, modelId: r.modelId, role: r.role, requestId: r.requestId, source: r.source, createdAt, latencyMs: r.latencyMs, error: r.error, rows: [] };
      this.message.groups.push(group);
    }
    group.rows.push(r.rowIndex, this.indexOf(r.input), this.indexOf(r.output), this.indexOf(r.mainOutput));
    this.rows++;
  }

  toJSON(): string {
    return JSON.stringify(this.message);
  }

  private indexOf(value: unknown): number {
    if (value === undefined) return -1;
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.message.values.push(value) - 1;
      // Objects by identity; a primitive is cheap enough to store again.
      if (typeof value === 'object' && value !== null) this.indexes.set(value, index);
    }
    return index;
  }
}

/** The rows of a message, on the log's thread. */
export function unpack(json: string): LoggedPrediction[] {
  const { values, groups } = JSON.parse(json) as WireMessage;
  const rows: LoggedPrediction[] = [];
  for (const { rows: fields, ...shared } of groups) {
    for (let i = 0; i < fields.length; i += FIELDS_PER_ROW) {
      const [rowIndex, input, output, mainOutput] = [fields[i]!, fields[i + 1]!, fields[i + 2]!, fields[i + 3]!];
      rows.push({
        ...shared,
        rowIndex,
        input: input < 0 ? null : values[input],
        output: (output < 0 ? null : values[output]) as LoggedPrediction['output'],
        mainOutput: (mainOutput < 0 ? undefined : values[mainOutput]) as LoggedPrediction['mainOutput'],
      });
    }
  }
  return rows;
}
