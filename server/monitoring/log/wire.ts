import { type Binning, type PredictionRecord, type PredictionRole, type PredictionSource } from './records';

/**
 * How recorded rows travel to the log's thread: one JSON string per message (cheaper to copy
 * than a structured clone), compact because both threads pay for every byte of it (the serving
 * thread to write it, the log's thread to read it). What rows of one request and model share is
 * sent once, as a positional array; a deployment version's model is sent once per message; inputs
 * and outputs are sent once each (a challenger row has the same input as its main row, and
 * carries the main's output).
 */
export interface WireMessage {
  /** Each model of the message once: deployment id, deployment version, model id, role. */
  models: Array<[string, number, string, PredictionRole]>;
  /** Each input and output object once. */
  values: unknown[];
  /**
   * Per request and model: GROUP_FIELDS shared fields (model index, request id, source, epoch
   * milliseconds, latency, error or null), then per row its index and the indexes in `values`
   * of its input, output and main output (-1: none).
   */
  groups: Array<Array<string | number | null>>;
}

const GROUP_FIELDS = 6;
const FIELDS_PER_ROW = 4;

/** Builds one message from records, on the serving thread. */
export class WireBatch {
  rows = 0;
  private readonly message: WireMessage = { models: [], values: [], groups: [] };
  private readonly indexes = new Map<unknown, number>();
  /** The record that opened the current group: the next row of the same request joins it. */
  private opener: PredictionRecord | undefined;
  private group: Array<string | number | null> = [];

  add(r: PredictionRecord): void {
    const o = this.opener;
    if (
      !o ||
      o.requestId !== r.requestId ||
      o.modelId !== r.modelId ||
      o.role !== r.role ||
      o.deploymentId !== r.deploymentId ||
      o.deploymentVersion !== r.deploymentVersion ||
      o.source !== r.source ||
      o.createdAt.getTime() !== r.createdAt.getTime() ||
      o.latencyMs !== r.latencyMs ||
      o.error !== r.error
    ) {
      this.opener = r;
      this.group = [this.modelIndex(r), r.requestId, r.source, r.createdAt.getTime(), r.latencyMs, r.error ?? null];
      this.message.groups.push(this.group);
    }
    this.group.push(r.rowIndex, this.indexOf(r.input), this.indexOf(r.output), this.indexOf(r.mainOutput));
    this.rows++;
  }

  toJSON(): string {
    return JSON.stringify(this.message);
  }

  /**
   * The message as JSON even when some value cannot be serialised (nested too deep for
   * JSON.stringify's stack, a cycle, a BigInt): each such value goes as null, and `replaced`
   * says how many. Validation keeps structures out of the rows; this is the net under it,
   * for the hand-over runs in a timer where a throw would end the process.
   */
  toJSONReplacing(): { json: string; replaced: number } {
    try {
      return { json: this.toJSON(), replaced: 0 };
    } catch {
      let replaced = 0;
      const values = this.message.values.map((value) => {
        try {
          JSON.stringify(value);
          return value;
        } catch {
          replaced++;
          return null;
        }
      });
      return { json: JSON.stringify({ ...this.message, values }), replaced };
    }
  }

  private modelIndex(r: PredictionRecord): number {
    const { models } = this.message;
    // A message holds a handful of models: a scan beats building a key for every request.
    for (let i = 0; i < models.length; i++) {
      const [deploymentId, version, modelId, role] = models[i]!;
      if (modelId === r.modelId && role === r.role && deploymentId === r.deploymentId && version === r.deploymentVersion) return i;
    }
    return models.push([r.deploymentId, r.deploymentVersion, r.modelId, r.role]) - 1;
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

/** The records of a message, on the log's thread, with their models' binnings. */
export function unpack(json: string, binningOf: (modelId: string) => Binning): PredictionRecord[] {
  const { models, values, groups } = JSON.parse(json) as WireMessage;
  const binnings = models.map(([, , modelId]) => binningOf(modelId));
  const records: PredictionRecord[] = [];
  for (const group of groups) {
    const model = group[0] as number;
    const [deploymentId, deploymentVersion, modelId, role] = models[model]!;
    const binning = binnings[model]!;
    const requestId = group[1] as string;
    const source = group[2] as PredictionSource;
    // One Date for the rows of a request: they were recorded together.
    const createdAt = new Date(group[3] as number);
    const latencyMs = group[4] as number;
    const error = (group[5] as string | null) ?? undefined;
    for (let i = GROUP_FIELDS; i < group.length; i += FIELDS_PER_ROW) {
      const input = group[i + 1] as number;
      const output = group[i + 2] as number;
      const mainOutput = group[i + 3] as number;
      records.push({
        deploymentId,
        deploymentVersion,
        modelId,
        role,
        requestId,
        rowIndex: group[i] as number,
        input: input < 0 ? null : values[input],
        output: (output < 0 ? null : values[output]) as PredictionRecord['output'],
        error,
        latencyMs,
        source,
        createdAt,
        binning,
        mainOutput: (mainOutput < 0 ? undefined : values[mainOutput]) as PredictionRecord['mainOutput'],
      });
    }
  }
  return records;
}
