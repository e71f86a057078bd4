import type { Row } from '../../ml/types';
import type { ConnectorAccess } from '../connector-access';
import type { PipelineSource } from './source';

/** A SELECT on an external database, read through a cursor: its columns are known once it runs. */
export class SqlSource implements PipelineSource {
  constructor(
    private readonly connectors: ConnectorAccess,
    private readonly connectorId: string,
    private readonly sql: string,
  ) {}

  async missingFeatures(): Promise<string[]> {
    return [];
  }

  async total(): Promise<number | null> {
    return null;
  }

  read(chunkRows: number): AsyncIterable<Row[]> {
    return this.connectors.readSql(this.connectorId, this.sql, chunkRows);
  }
}
