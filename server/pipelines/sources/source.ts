import type { Row } from '../../ml/types';

/**
 * Where a pipeline run reads the rows it predicts. A new kind of source is one file beside
 * this one plus a case in `sourceFor` (./index.ts).
 */
export interface PipelineSource {
  /**
   * The model's features this source cannot feed, checked before a pipeline is saved and before
   * a run reads anything ([] when it feeds them all); a source that cannot know its columns
   * without reading answers [] and the run checks its first rows instead.
   */
  missingFeatures(features: string[]): Promise<string[]>;
  /** Rows in total when known before reading (for a run's progress), else null. */
  total(): Promise<number | null>;
  /** The rows in source order, `chunkRows` at a time; ending the iteration early releases what the source holds. */
  read(chunkRows: number): AsyncIterable<Row[]>;
}
