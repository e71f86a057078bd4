import { readCsvRows } from '../../ml/csv';
import type { Row } from '../../ml/types';
import type { Dataset } from '../../experiments/dataset.entity';
import type { ArtifactStore } from '../../platform/artifacts/artifact-store';
import type { PipelineSource } from './source';

/** An uploaded CSV: its columns and row count are known from the upload. */
export class DatasetSource implements PipelineSource {
  constructor(
    private readonly dataset: Dataset,
    private readonly artifacts: ArtifactStore,
  ) {}

  async missingFeatures(features: string[]): Promise<string[]> {
    const columns = new Set(this.dataset.columns);
    return features.filter((feature) => !columns.has(feature));
  }

  async total(): Promise<number | null> {
    return this.dataset.rows;
  }

  async *read(chunkRows: number): AsyncGenerator<Row[]> {
    let chunk: Row[] = [];
    for await (const row of readCsvRows(this.artifacts.open(this.dataset.sha256), { fileName: this.dataset.fileName })) {
      chunk.push(row);
      if (chunk.length === chunkRows) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }
}
