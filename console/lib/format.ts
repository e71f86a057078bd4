import type { MetricsData } from './operations/deployment';

import type { ReactNode } from 'react';

// The console's only formatters: every page says a date, a count or a share the same way.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const secondFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const integerFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export const formatDate = (value: string | number | Date) => dateFormat.format(new Date(value));
export const formatDateTime = (value: string | number | Date) => dateTimeFormat.format(new Date(value));
/** Hours, minutes and seconds: the time of a live figure. */
export const formatClock = (value: string | number | Date) => secondFormat.format(new Date(value));
export const formatInteger = (n: number) => integerFormat.format(n);
export const formatDecimal = (n: number) => decimalFormat.format(n);

/** A share (0–1) as a percentage; without `digits`, whole percents except below 1 %. */
export function formatPercent(share: number, digits?: number): string {
  const shown = digits ?? (share > 0 && share < 0.01 ? 1 : 0);
  return `${(share * 100).toFixed(shown)}%`;
}

/** A drift or agreement score: fixed digits, or a dash when there is none. */
export function formatScore(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(2);
  return integerFormat.format(perSecond);
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length - 1);
  const value = bytes / 1024 ** exponent;
  return `${value < 10 && exponent > 0 ? value.toFixed(1) : Math.round(value)} ${units[exponent]}`;
}

/** A duration for people: "850 ms", "12 s", "3 min 5 s", "2 h 4 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A date in the time zone a schedule is written in, which is the one its cron speaks. */
export function formatInZone(value: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(value));
  } catch {
    return formatDateTime(value);
  }
}

/** Tick labels for a time axis spanning `spanMs`: hours of the day up to two days, dates beyond. */
export function timeTickFormatter(spanMs: number): (value: number) => string {
  return (value) => (spanMs <= 2 * DAY_MS ? hourFormat.format(new Date(value)) : dayFormat.format(new Date(value)));
}

/** The tooltip's heading on a time axis. */
export const timeLabelFormatter = (label: ReactNode) => (typeof label === 'number' ? formatDateTime(label) : label);

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
