import type { MetricsData } from './deployment-operations';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDate = (iso: string) => dateFormat.format(new Date(iso));
export const formatDateTime = (iso: string) => dateTimeFormat.format(new Date(iso));

type Task = 'regression' | 'binary' | 'multiclass';
export type MetricName = keyof MetricsData;

/** The metrics of a task, in the order people read them, with whether higher is better. */
export const METRICS_OF_TASK: Record<Task, Array<{ name: MetricName; label: string; higherIsBetter: boolean }>> = {
  regression: [
    { name: 'rmse', label: 'RMSE', higherIsBetter: false },
    { name: 'mae', label: 'MAE', higherIsBetter: false },
    { name: 'r2', label: 'R²', higherIsBetter: true },
  ],
  binary: [
    { name: 'accuracy', label: 'Accuracy', higherIsBetter: true },
    { name: 'rocAuc', label: 'ROC AUC', higherIsBetter: true },
    { name: 'macroF1', label: 'Macro F1', higherIsBetter: true },
    { name: 'logLoss', label: 'Log loss', higherIsBetter: false },
  ],
  multiclass: [
    { name: 'accuracy', label: 'Accuracy', higherIsBetter: true },
    { name: 'macroF1', label: 'Macro F1', higherIsBetter: true },
    { name: 'logLoss', label: 'Log loss', higherIsBetter: false },
  ],
};

export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return value.toFixed(3);
}

/** A number for people: at most four significant digits, no float noise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(4)).toString();
}

/** "[36.6, 38.339999999999996)" → "[36.6, 38.34)": bin labels with their float noise removed. */
export function prettyBinLabel(label: string): string {
  return label.replace(/-?\d+\.\d{5,}(e[-+]?\d+)?/g, (match) => formatNumber(Number(match)));
}

export const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 1 : 0)}%`;

export const ACCESS_LABELS: Record<'public' | 'instance' | 'project', { label: string; rule: string }> = {
  public: { label: 'Public', rule: 'Anyone can call the API and use the web form, without credentials.' },
  instance: {
    label: 'Instance collaborators',
    rule: 'Anyone signed in to this Berth instance, any of its access tokens, or an API key of the deployment.',
  },
  project: {
    label: 'Project collaborators',
    rule: 'Only the collaborators of this project, or an API key of the deployment.',
  },
};

export const VALIDATION_LABELS: Record<'strict' | 'best_effort', { label: string; rule: string }> = {
  strict: { label: 'Strict', rule: 'Rejects rows with unknown fields or values of the wrong type (HTTP 400).' },
  best_effort: {
    label: 'Best effort',
    rule: 'Drops unknown fields and imputes invalid values, and lists what it did in the response’s warnings.',
  },
};
