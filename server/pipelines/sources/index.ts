import type { DatasetService } from '../../experiments/dataset.service';
import type { ArtifactStore } from '../../platform/artifacts/artifact-store';
import type { ConnectorAccess } from '../connector-access';
import { PipelineSourceKind, type Pipeline } from '../pipeline.entity';
import { DatasetSource } from './dataset';
import type { PipelineSource } from './source';
import { SqlSource } from './sql';

export type { PipelineSource } from './source';

export interface SourceDependencies {
  datasets: DatasetService;
  artifacts: ArtifactStore;
  connectors: ConnectorAccess;
}

export type SourceSettings = Pick<Pipeline, 'sourceKind'> & Partial<Pick<Pipeline, 'sourceDatasetId' | 'sourceConnectorId' | 'sourceSql'>>;

/** The source a pipeline (or a pipeline about to be saved, its settings checked) reads. */
export async function sourceFor(pipeline: SourceSettings, deps: SourceDependencies): Promise<PipelineSource> {
  switch (pipeline.sourceKind) {
    case PipelineSourceKind.dataset:
      return new DatasetSource(await deps.datasets.get(pipeline.sourceDatasetId!), deps.artifacts);
    case PipelineSourceKind.sql:
      return new SqlSource(deps.connectors, pipeline.sourceConnectorId!, pipeline.sourceSql!);
  }
}
