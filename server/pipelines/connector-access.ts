import type { Row } from '../ml/types';

export type ColumnType = 'double precision' | 'text' | 'boolean' | 'jsonb';

/** A destination table being written in one transaction: all of a run's rows, or none. */
export interface OpenTable {
  write(rows: Array<Record<string, unknown>>): Promise<void>;
  /** Resolves to the rows written. */
  commit(): Promise<number>;
  rollback(): Promise<void>;
}

/** What pipelines need of external databases; the connectors domain provides it (services.ts wires it). */
export interface ConnectorAccess {
  readSql(connectorId: string, sql: string, chunkRows: number): AsyncIterable<Row[]>;
  openTable(connectorId: string, table: string, columns: Array<{ name: string; type: ColumnType }>, runId: string): Promise<OpenTable>;
}
