import type { Prediction, PreprocessingSpec, Row } from '../../ml/types';
import type { ConnectorAccess, OpenTable } from '../connector-access';

/**
 * A table of an external database that receives a run's predictions: the features, the
 * prediction, one probability column per label and the model's role, in one transaction.
 */
export class TableDestination {
  private constructor(
    private readonly table: OpenTable,
    private readonly features: string[],
    private readonly labels: string[],
  ) {}

  static async open(connectors: ConnectorAccess, connectorId: string, tableName: string, spec: PreprocessingSpec, runId: string): Promise<TableDestination> {
    const labels = spec.target.task === 'regression' ? [] : spec.target.labels;
    const table = await connectors.openTable(
      connectorId,
      tableName,
      [
        ...spec.features.map((f) => ({ name: f.name, type: f.type === 'numeric' ? ('double precision' as const) : f.type === 'boolean' ? ('boolean' as const) : ('text' as const) })),
        { name: 'prediction', type: spec.target.task === 'regression' ? 'double precision' : 'text' },
        ...labels.map((l) => ({ name: `probability_${l}`, type: 'double precision' as const })),
        { name: 'model_role', type: 'text' },
      ],
      runId,
    );
    return new TableDestination(table, spec.features.map((f) => f.name), labels);
  }

  /** The rows of one chunk, the main's predictions then the challenger's. */
  write(rows: Row[], byRole: Array<{ role: 'main' | 'challenger'; predictions: Prediction[] }>): Promise<void> {
    const now = new Date();
    const records = byRole.flatMap(({ role, predictions }) =>
      rows.map((row, i) => ({
        ...Object.fromEntries(this.features.map((f) => [f, row[f] ?? null])),
        prediction: predictions[i]!.prediction,
        ...Object.fromEntries(this.labels.map((l) => [`probability_${l}`, predictions[i]!.probabilities?.[l] ?? null])),
        model_role: role,
        predicted_at: now,
      })),
    );
    return this.table.write(records);
  }

  commit(): Promise<number> {
    return this.table.commit();
  }

  rollback(): Promise<void> {
    return this.table.rollback();
  }
}
