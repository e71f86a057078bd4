import type { MetricsData } from '../lib/deployment-operations';
import { formatMetric, METRICS_OF_TASK } from '../lib/format';

type Task = keyof typeof METRICS_OF_TASK;

export interface ModelRow {
  id: string;
  name: string;
  /** Shown under the name, e.g. the algorithm or "version 2". */
  detail?: string;
  status?: string;
  failureReason?: string | null;
  isBest?: boolean;
  /** Shown before the name, e.g. "Main". */
  role?: string;
  metrics: MetricsData | null;
}

/** Models in rows, the holdout metrics of their task in columns: compared side by side. */
export function ModelMetricsTable({ task, models, caption }: { task: Task; models: ModelRow[]; caption: string }) {
  const metrics = METRICS_OF_TASK[task];
  return (
    <div className="table-scroll">
      <table className="metrics">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            {metrics.map((metric) => (
              <th scope="col" key={metric.name} className="number" title={metric.higherIsBetter ? 'Higher is better' : 'Lower is better'}>
                {metric.label} <span aria-hidden="true" className="muted">{metric.higherIsBetter ? '↑' : '↓'}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {models.map((model) => (
            <tr key={model.id + (model.role ?? '')} className={model.isBest ? 'best' : undefined}>
              <th scope="row">
                <span className="model-cell">
                  {model.role && <span className="role">{model.role}</span>}
                  <span>{model.name}</span>
                  {model.isBest && (
                    <span className="badge best-badge" title="The best candidate of its version on the holdout split">
                      ★ best
                    </span>
                  )}
                  {model.status && model.status !== 'ready' && (
                    <span className={`state ${model.status === 'failed' ? 'bad' : 'pending'}`} title={model.failureReason ?? undefined}>
                      {model.status}
                    </span>
                  )}
                </span>
                {model.detail && <span className="muted small block">{model.detail}</span>}
              </th>
              {metrics.map((metric) => (
                <td key={metric.name} className="number">
                  {formatMetric(model.metrics?.[metric.name])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
