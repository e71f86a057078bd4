import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { ArtifactTooLargeError, type ArtifactStore } from '../platform/artifacts/artifact-store';
import { badInput, notFound, tooLarge } from '../platform/errors';
import { Dataset } from './dataset.entity';
import { inferFeatureTypes, readCsvRows } from '../ml/csv';
import type { Row } from '../ml/types';

/** Rows looked at to infer column types. */
const INFERENCE_SAMPLE = 5000;

export class DatasetService {
  constructor(
    private readonly db: DataSource,
    private readonly artifacts: ArtifactStore,
    private readonly limits: { uploadBytes: number; datasetRows: number },
  ) {}

  /**
   * Stores an uploaded CSV and checks it in one streaming pass (header, duplicate columns,
   * ragged rows, size): a bad file is refused with the file, row or column named, and leaves
   * no artifact behind.
   */
  async upload(projectId: string, createdBy: string, fileName: string, content: Readable): Promise<Dataset> {
    let stored;
    try {
      stored = await this.artifacts.put(content, { maxBytes: this.limits.uploadBytes });
    } catch (error) {
      if (error instanceof ArtifactTooLargeError) throw tooLarge('file', `${fileName} is ${error.message} (BERTH_MAX_UPLOAD_BYTES)`);
      throw error;
    }
    try {
      const sample: Row[] = [];
      let rows = 0;
      let columns: string[] = [];
      for await (const row of readCsvRows(this.artifacts.open(stored.sha256), { fileName, maxRows: this.limits.datasetRows })) {
        if (rows === 0) columns = Object.keys(row);
        if (sample.length < INFERENCE_SAMPLE) sample.push(row);
        rows++;
      }
      if (rows === 0) throw badInput('file', `${fileName} has a header but no data rows`);
      const dataset = this.db.getRepository(Dataset).create({
        projectId,
        createdBy,
        fileName,
        sha256: stored.sha256,
        sizeBytes: stored.size,
        rows,
        columns,
        inferredSchema: inferFeatureTypes(sample, columns),
      });
      return await this.db.getRepository(Dataset).save(dataset);
    } catch (error) {
      await this.releaseArtifact(stored.sha256);
      throw error;
    }
  }

  async get(id: string, projectId?: string): Promise<Dataset> {
    const dataset = await this.db.getRepository(Dataset).findOneBy(projectId ? { id, projectId } : { id });
    if (!dataset) throw notFound('Dataset', id);
    return dataset;
  }

  list(projectId: string): Promise<Dataset[]> {
    return this.db.getRepository(Dataset).find({ where: { projectId }, order: { createdAt: 'DESC' } });
  }

  /** Every row of a dataset, in file order (datasets are bounded by the upload limit). */
  async readAll(dataset: Dataset): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const row of readCsvRows(this.artifacts.open(dataset.sha256), { fileName: dataset.fileName })) rows.push(row);
    return rows;
  }

  /** Deletes a blob unless another dataset holds the same content. */
  private async releaseArtifact(sha256: string): Promise<void> {
    if (!(await this.db.getRepository(Dataset).existsBy({ sha256 }))) await this.artifacts.delete(sha256);
  }
}
