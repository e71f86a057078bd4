'use client';

import { DeploymentDriftQuery, type DriftReportData } from '../../lib/deployment-operations';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useQuery, useSubscription, type CombinedError } from 'urql';
import { messageOf } from '../../lib/errors';
import { graphql, type ResultOf } from '../../lib/graphql';
import { useIsBrowser } from '../../lib/use-is-browser';
import { ErrorMessage } from '../error-message';

export const LiveMetricsSubscription = graphql(`
  subscription DeploymentLiveMetrics($deploymentId: ID!) {
    deploymentMetrics(deploymentId: $deploymentId) {
      at
      requestsPerSecond
      errorsPerSecond
      rowsPerSecond
      p50Ms
      p95Ms
      cpuSecondsPerSecond
      memoryBytes
    }
  }
`);

const MonitoringQuery = graphql(`
  query DeploymentMonitoring($deploymentId: ID!, $from: DateTimeISO, $to: DateTimeISO, $granularity: String!) {
    deploymentMonitoring(deploymentId: $deploymentId, from: $from, to: $to, granularity: $granularity) {
      from
      to
      traffic {
        time
        role
        requests
        rows
        errors
        shed
        latencyP50Ms
        latencyP95Ms
      }
      driftOverTime {
        time
        feature
        jensenShannon
        drifted
        rows
      }
      comparison {
        pairs
        agreementRate
        meanAbsoluteDifference
        correlation
        challengerModelId
        challengerShed
        challengerFailed
        mainLatencyP50Ms
        challengerLatencyP50Ms
      }
      performance {
        time
        role
        rows
        accuracy
        macroF1
        rmse
        mae
      }
    }
  }
`);


const DeploymentModelsQuery = graphql(`
  query DeploymentMonitoringContext($id: ID!) {
    deployment(id: $id) {
      id
      slug
      versions {
        id
        number
        current
        mainModel {
          id
          name
        }
        challengerModel {
          id
          name
        }
      }
    }
  }
`);

type Monitoring = ResultOf<typeof MonitoringQuery>['deploymentMonitoring'];
type DriftReport = DriftReportData;
type FeatureDrift = DriftReport['features'][number];
type PredictionDrift = DriftReport['predictions'][number];
type LiveMetrics = ResultOf<typeof LiveMetricsSubscription>['deploymentMetrics'];

// ---------------------------------------------------------------------------------------------
// Shared helpers (the usage section uses them too)
// ---------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Colours readable on the light and the dark theme. */
export const CHART_COLORS = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#14b8a6', '#ec4899', '#64748b', '#84cc16'];
export const MAIN_COLOR = '#3b82f6';
export const CHALLENGER_COLOR = '#f97316';
export const REFERENCE_COLOR = '#94a3b8';
export const DANGER_COLOR = '#ef4444';

const integerFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const secondFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export const formatInteger = (n: number) => integerFormat.format(n);
export const formatDecimal = (n: number) => decimalFormat.format(n);
export const formatDateTime = (value: string | number | Date) => dateTimeFormat.format(new Date(value));
export const formatPercent = (share: number, digits = 1) => `${(share * 100).toFixed(digits)}%`;

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

/** Tick labels for a time axis spanning `spanMs`: hours of the day up to two days, dates beyond. */
export function timeTickFormatter(spanMs: number): (value: number) => string {
  return (value) => (spanMs <= 2 * DAY_MS ? hourFormat.format(new Date(value)) : dayFormat.format(new Date(value)));
}

/** The tooltip's heading on a time axis. */
export const timeLabelFormatter = (label: ReactNode) => (typeof label === 'number' ? formatDateTime(label) : label);

/** Re-runs `refresh` every `intervalMs` while the page is visible. */
export function useInterval(refresh: () => void, intervalMs: number): void {
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  });
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') latest.current();
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
}

/** A titled chart of a fixed height that follows the width of its column. */
export function ChartCard({ title, description, height = 240, children, empty }: { title: string; description?: ReactNode; height?: number; children: ReactNode; empty?: ReactNode }) {
  const headingId = useId();
  return (
    <figure className="monitoring-chart card" aria-labelledby={headingId}>
      <figcaption>
        <h4 id={headingId}>{title}</h4>
        {description && <p className="muted small">{description}</p>}
      </figcaption>
      {empty ? (
        <div className="monitoring-chart-empty muted" style={{ minHeight: Math.min(height, 160) }}>
          {empty}
        </div>
      ) : (
        <div className="monitoring-chart-body" style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            {children as ReactElement}
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}

/** One labelled figure of a row of figures. */
export function Figure({ label, value, hint, tone }: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'danger' | 'ok' }) {
  return (
    <div className={`monitoring-figure${tone ? ` monitoring-figure-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>
        <span className="monitoring-figure-value">{value}</span>
        {hint && <span className="muted small">{hint}</span>}
      </dd>
    </div>
  );
}

/** The live figures of a deployment, or why they are not there. */
export function useLiveMetrics(deploymentId: string): { live: LiveMetrics | null; error: CombinedError | undefined; browser: boolean } {
  const browser = useIsBrowser();
  const [{ data, error }] = useSubscription({ query: LiveMetricsSubscription, variables: { deploymentId }, pause: !browser });
  return { live: data?.deploymentMetrics ?? null, error, browser };
}

// ---------------------------------------------------------------------------------------------
// Time range
// ---------------------------------------------------------------------------------------------

type RangeKey = '24h' | '7d' | '30d' | 'version' | 'custom';

const RANGES: Array<{ key: RangeKey; label: string; ms?: number }> = [
  { key: '24h', label: '24 h', ms: DAY_MS },
  { key: '7d', label: '7 days', ms: 7 * DAY_MS },
  { key: '30d', label: '30 days', ms: 30 * DAY_MS },
  { key: 'version', label: 'Current version' },
  { key: 'custom', label: 'Custom' },
];

interface CustomRange {
  from: string;
  to: string;
}

/** `datetime-local` value (local time) of a date. */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

// ---------------------------------------------------------------------------------------------
// The section
// ---------------------------------------------------------------------------------------------

const REFRESH_MS = 10_000;

export function MonitoringSection({ deploymentId }: { deploymentId: string }) {
  const browser = useIsBrowser();
  const [rangeKey, setRangeKey] = useState<RangeKey>('24h');
  const [custom, setCustom] = useState<CustomRange | null>(null);
  const [now, setNow] = useState(() => Date.now());

  // The server counts whole hours, so a relative range starts on an hour: the variables stay the
  // same between refreshes and the charts update in place instead of reloading.
  const variables = useMemo(() => {
    const range = RANGES.find((r) => r.key === rangeKey);
    if (rangeKey === 'custom' && custom) {
      const span = Date.parse(custom.to) - Date.parse(custom.from);
      return { deploymentId, from: custom.from, to: custom.to, granularity: span <= 2 * DAY_MS ? 'hour' : 'day' };
    }
    if (range?.ms) {
      return { deploymentId, from: new Date(floorHour(now - range.ms)).toISOString(), to: null, granularity: range.ms <= DAY_MS ? 'hour' : 'day' };
    }
    return { deploymentId, from: null, to: null, granularity: 'day' };
  }, [deploymentId, rangeKey, custom, now]);

  const { from, to } = variables;
  const paused = !browser || (rangeKey === 'custom' && !custom);
  const [monitoringResult, refetchMonitoring] = useQuery({ query: MonitoringQuery, variables, pause: paused });
  const [driftResult, refetchDrift] = useQuery({ query: DeploymentDriftQuery, variables: { deploymentId, from, to }, pause: paused });
  const [contextResult] = useQuery({ query: DeploymentModelsQuery, variables: { id: deploymentId }, pause: !browser });

  // A fixed custom range that ended in the past has nothing new to show.
  const live = rangeKey !== 'custom' || (custom !== null && Date.parse(custom.to) > now);
  useInterval(() => {
    setNow(Date.now());
    if (!live || paused) return;
    refetchMonitoring({ requestPolicy: 'network-only' });
    refetchDrift({ requestPolicy: 'network-only' });
  }, REFRESH_MS);

  const monitoring = monitoringResult.data?.deploymentMonitoring;
  const drift = driftResult.data?.deploymentDrift;
  const deployment = contextResult.data?.deployment;
  const modelNames = useMemo(() => {
    const names = new Map<string, string>();
    for (const version of deployment?.versions ?? []) {
      names.set(version.mainModel.id, version.mainModel.name);
      if (version.challengerModel) names.set(version.challengerModel.id, version.challengerModel.name);
    }
    return names;
  }, [deployment]);
  const shownRange = monitoring ?? drift;

  return (
    <div className="monitoring">
      <LiveFigures deploymentId={deploymentId} />

      <div className="monitoring-toolbar">
        <RangePicker value={rangeKey} onChange={setRangeKey} custom={custom} onCustom={setCustom} />
        <p className="muted small">
          {shownRange ? (
            <>
              {formatDateTime(shownRange.from)} – {formatDateTime(shownRange.to)}
              {monitoringResult.fetching || driftResult.fetching ? ' · updating…' : live ? ' · refreshes every 10 s' : ''}
            </>
          ) : rangeKey === 'custom' && !custom ? (
            'Choose the start and end of the range.'
          ) : null}
        </p>
      </div>

      {!paused && (
        <>
          <Block title="Traffic and latency" result={monitoringResult} onRetry={() => refetchMonitoring({ requestPolicy: 'network-only' })} loading="Loading traffic…">
            {monitoring && <TrafficCharts monitoring={monitoring} />}
          </Block>

          <Block title="Data sent per feature" result={driftResult} onRetry={() => refetchDrift({ requestPolicy: 'network-only' })} loading="Loading input distributions…">
            {drift && <FeatureDistributions drift={drift} />}
          </Block>

          <Block title="Predictions: main and challenger" result={driftResult} onRetry={() => refetchDrift({ requestPolicy: 'network-only' })} loading="Loading predictions…">
            {drift && monitoring && <PredictionComparison drift={drift} comparison={monitoring.comparison} modelNames={modelNames} />}
            {drift && !monitoring && !monitoringResult.error && <p className="muted">Loading the comparison…</p>}
            {drift && !monitoring && monitoringResult.error && <PredictionComparison drift={drift} comparison={null} modelNames={modelNames} />}
          </Block>

          <Block title="Input drift over time" result={monitoringResult} onRetry={() => refetchMonitoring({ requestPolicy: 'network-only' })} loading="Loading drift over time…">
            {monitoring && (
              <DriftOverTime
                monitoring={monitoring}
                threshold={drift?.thresholds.jensenShannon ?? null}
                minRows={drift?.thresholds.minRows ?? null}
                granularity={variables.granularity}
              />
            )}
          </Block>

          <Block title="Performance on ground truth" result={monitoringResult} onRetry={() => refetchMonitoring({ requestPolicy: 'network-only' })} loading="Loading performance…">
            {monitoring && <Performance monitoring={monitoring} slug={deployment?.slug ?? null} granularity={variables.granularity} />}
          </Block>
        </>
      )}
    </div>
  );
}

/** A sub-section with its heading and the loading and error states of the query it shows. */
function Block({
  title,
  result,
  onRetry,
  loading,
  children,
}: {
  title: string;
  result: { data?: unknown; error?: CombinedError; fetching: boolean };
  onRetry: () => void;
  loading: string;
  children: ReactNode;
}) {
  return (
    <section className="monitoring-block" aria-label={title}>
      <h3>{title}</h3>
      {result.error && !result.data ? (
        <ErrorMessage message={messageOf(result.error)} onRetry={onRetry} />
      ) : !result.data ? (
        <p className="muted" aria-busy="true">
          {loading}
        </p>
      ) : (
        <>
          {result.error && (
            <p className="error small" role="status">
              The last refresh failed: {messageOf(result.error)}
            </p>
          )}
          {children}
        </>
      )}
    </section>
  );
}

function RangePicker({
  value,
  onChange,
  custom,
  onCustom,
}: {
  value: RangeKey;
  onChange: (key: RangeKey) => void;
  custom: CustomRange | null;
  onCustom: (range: CustomRange) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [defaults] = useState(() => {
    const end = Date.now();
    return { from: toLocalInput(end - 7 * DAY_MS), to: toLocalInput(end) };
  });

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fromMs = new Date(String(form.get('from'))).getTime();
    const toMs = new Date(String(form.get('to'))).getTime();
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return setError('Give both a start and an end.');
    if (fromMs >= toMs) return setError('The start must be before the end.');
    setError(null);
    onCustom({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  }

  return (
    <div className="monitoring-range">
      <div className="monitoring-segmented" role="group" aria-label="Time range">
        {RANGES.map((range) => (
          <button
            key={range.key}
            type="button"
            className={value === range.key ? 'monitoring-segment-active' : 'secondary'}
            aria-pressed={value === range.key}
            onClick={() => onChange(range.key)}
            title={range.key === 'version' ? 'Since the current version was switched in' : undefined}
          >
            {range.label}
          </button>
        ))}
      </div>
      {value === 'custom' && (
        <form className="monitoring-custom" onSubmit={apply}>
          <label>
            From
            <input type="datetime-local" name="from" required defaultValue={custom ? toLocalInput(Date.parse(custom.from)) : defaults.from} />
          </label>
          <label>
            To
            <input type="datetime-local" name="to" required defaultValue={custom ? toLocalInput(Date.parse(custom.to)) : defaults.to} />
          </label>
          <button type="submit">Show</button>
          {error && (
            <p className="error small" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Live figures
// ---------------------------------------------------------------------------------------------

function LiveFigures({ deploymentId }: { deploymentId: string }) {
  const { live, error, browser } = useLiveMetrics(deploymentId);
  return (
    <section className="monitoring-live card" aria-label="Live figures">
      <div className="monitoring-live-head">
        <h3>
          <span className={`monitoring-live-dot${live && !error ? ' monitoring-live-on' : ''}`} aria-hidden="true" /> Live
        </h3>
        <span className="muted small">
          {error ? '' : live ? `over the last 10 seconds · ${secondFormat.format(new Date(live.at))}` : browser ? 'connecting…' : ''}
        </span>
      </div>
      {error && !live ? (
        <p className="error small" role="status">
          Live figures are unavailable: {messageOf(error)}
        </p>
      ) : (
        <dl className="monitoring-figures" aria-live="off">
          <Figure label="Requests/s" value={live ? formatRate(live.requestsPerSecond) : '—'} hint={live ? `${formatRate(live.rowsPerSecond)} rows/s` : undefined} />
          <Figure label="Errors/s" value={live ? formatRate(live.errorsPerSecond) : '—'} tone={live && live.errorsPerSecond > 0 ? 'danger' : undefined} />
          <Figure label="Latency p50" value={live ? formatMs(live.p50Ms) : '—'} />
          <Figure label="Latency p95" value={live ? formatMs(live.p95Ms) : '—'} />
        </dl>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Traffic
// ---------------------------------------------------------------------------------------------

interface HourRow {
  t: number;
  mainRequests: number;
  mainErrors: number;
  challengerRequests: number | null;
  challengerErrors: number | null;
  challengerShed: number | null;
  mainP50: number | null;
  mainP95: number | null;
  challengerP50: number | null;
  challengerP95: number | null;
}

/** Hours without a point are filled with zeros (no requests), up to a couple of months of hours. */
const MAX_FILLED_HOURS = 24 * 62;

function hourlyTraffic(monitoring: Monitoring, withChallenger: boolean): HourRow[] {
  const start = Date.parse(monitoring.from);
  const end = Date.parse(monitoring.to);
  const empty = (t: number): HourRow => ({
    t,
    mainRequests: 0,
    mainErrors: 0,
    challengerRequests: withChallenger ? 0 : null,
    challengerErrors: withChallenger ? 0 : null,
    challengerShed: withChallenger ? 0 : null,
    mainP50: null,
    mainP95: null,
    challengerP50: null,
    challengerP95: null,
  });
  const rows = new Map<number, HourRow>();
  if ((end - start) / HOUR_MS <= MAX_FILLED_HOURS) for (let t = start; t < end; t += HOUR_MS) rows.set(t, empty(t));
  for (const point of monitoring.traffic) {
    const t = Date.parse(point.time);
    const row = rows.get(t) ?? empty(t);
    if (point.role === 'challenger') {
      row.challengerRequests = (row.challengerRequests ?? 0) + point.requests;
      row.challengerErrors = (row.challengerErrors ?? 0) + point.errors;
      row.challengerShed = (row.challengerShed ?? 0) + point.shed;
      row.challengerP50 = point.latencyP50Ms;
      row.challengerP95 = point.latencyP95Ms;
    } else {
      row.mainRequests += point.requests;
      row.mainErrors += point.errors;
      row.mainP50 = point.latencyP50Ms;
      row.mainP95 = point.latencyP95Ms;
    }
    rows.set(t, row);
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

const countFormatter = (value: unknown) => (typeof value === 'number' ? formatInteger(value) : String(value ?? '—'));
const msFormatter = (value: unknown) => (typeof value === 'number' ? formatMs(value) : '—');

function TrafficCharts({ monitoring }: { monitoring: Monitoring }) {
  const hasChallenger = monitoring.comparison.challengerModelId !== null || monitoring.traffic.some((p) => p.role === 'challenger');
  const rows = useMemo(() => hourlyTraffic(monitoring, hasChallenger), [monitoring, hasChallenger]);
  const start = Date.parse(monitoring.from);
  const end = Date.parse(monitoring.to);
  const tick = timeTickFormatter(end - start);
  const totals = useMemo(() => {
    let requests = 0;
    let errors = 0;
    let rowCount = 0;
    for (const p of monitoring.traffic) {
      if (p.role !== 'challenger') {
        requests += p.requests;
        errors += p.errors;
        rowCount += p.rows;
      }
    }
    return { requests, errors, rows: rowCount };
  }, [monitoring]);
  const hours = Math.max(1, (end - start) / HOUR_MS);
  const noTraffic = monitoring.traffic.length === 0;
  const xAxis = <XAxis dataKey="t" type="number" scale="time" domain={[start, end]} tickFormatter={tick} minTickGap={24} />;
  const comparison = monitoring.comparison;

  return (
    <>
      <dl className="monitoring-figures">
        <Figure label="Requests" value={formatInteger(totals.requests)} hint={`${formatDecimal(totals.requests / hours)} per hour`} />
        <Figure label="Rows predicted" value={formatInteger(totals.rows)} />
        <Figure
          label="Errors"
          value={formatInteger(totals.errors)}
          hint={totals.requests > 0 ? `${formatPercent(totals.errors / totals.requests)} of requests` : undefined}
          tone={totals.errors > 0 ? 'danger' : undefined}
        />
        <Figure label="Main latency p50" value={formatMs(comparison.mainLatencyP50Ms)} />
        {hasChallenger && <Figure label="Challenger shed" value={formatInteger(comparison.challengerShed)} hint="rows dropped by a full queue" tone={comparison.challengerShed > 0 ? 'danger' : undefined} />}
        {hasChallenger && <Figure label="Challenger failed" value={formatInteger(comparison.challengerFailed)} tone={comparison.challengerFailed > 0 ? 'danger' : undefined} />}
      </dl>
      <div className="monitoring-grid">
        <ChartCard title="Requests per hour" empty={noTraffic ? 'No requests in this range.' : undefined}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {xAxis}
            <YAxis allowDecimals={false} width={48} tickFormatter={(v: number) => formatInteger(v)} />
            <Tooltip labelFormatter={timeLabelFormatter} formatter={countFormatter} />
            <Legend />
            <Line type="monotone" dataKey="mainRequests" name="Main" stroke={MAIN_COLOR} dot={false} strokeWidth={2} isAnimationActive={false} />
            {hasChallenger && <Line type="monotone" dataKey="challengerRequests" name="Challenger" stroke={CHALLENGER_COLOR} dot={false} strokeWidth={2} strokeDasharray="5 3" isAnimationActive={false} />}
          </LineChart>
        </ChartCard>
        <ChartCard title="Errors per hour" description="Rows whose model call failed" empty={noTraffic ? 'No requests in this range.' : undefined}>
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {xAxis}
            <YAxis allowDecimals={false} width={48} />
            <Tooltip labelFormatter={timeLabelFormatter} formatter={countFormatter} />
            <Legend />
            <Bar dataKey="mainErrors" name="Main" fill={DANGER_COLOR} isAnimationActive={false} />
            {hasChallenger && <Bar dataKey="challengerErrors" name="Challenger (failed)" fill={CHALLENGER_COLOR} isAnimationActive={false} />}
          </BarChart>
        </ChartCard>
        <ChartCard title="Latency" description="p50 and p95 per hour" empty={noTraffic ? 'No requests in this range.' : undefined}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {xAxis}
            <YAxis width={72} tickFormatter={(v: number) => formatMs(v)} />
            <Tooltip labelFormatter={timeLabelFormatter} formatter={msFormatter} />
            <Legend />
            <Line type="monotone" dataKey="mainP50" name="Main p50" stroke={MAIN_COLOR} dot={false} strokeWidth={2} isAnimationActive={false} />
            <Line type="monotone" dataKey="mainP95" name="Main p95" stroke={MAIN_COLOR} dot={false} strokeDasharray="5 3" isAnimationActive={false} />
            {hasChallenger && <Line type="monotone" dataKey="challengerP50" name="Challenger p50" stroke={CHALLENGER_COLOR} dot={false} strokeWidth={2} isAnimationActive={false} />}
            {hasChallenger && <Line type="monotone" dataKey="challengerP95" name="Challenger p95" stroke={CHALLENGER_COLOR} dot={false} strokeDasharray="5 3" isAnimationActive={false} />}
          </LineChart>
        </ChartCard>
        {hasChallenger && (
          <ChartCard
            title="Challenger shed and failed rows"
            description="Shed: dropped because the challenger's queue was full. Failed: the challenger errored."
            empty={noTraffic ? 'No requests in this range.' : undefined}
          >
            <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              {xAxis}
              <YAxis allowDecimals={false} width={48} />
              <Tooltip labelFormatter={timeLabelFormatter} formatter={countFormatter} />
              <Legend />
              <Bar dataKey="challengerShed" name="Shed" stackId="challenger" fill={CHART_COLORS[5]} isAnimationActive={false} />
              <Bar dataKey="challengerErrors" name="Failed" stackId="challenger" fill={DANGER_COLOR} isAnimationActive={false} />
            </BarChart>
          </ChartCard>
        )}
      </div>
    </>
  );
}

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

function formatScore(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

/** Reference vs current shares on the same bins, as horizontal bars so long bin names stay readable. */
function DistributionChart({ labels, reference, current, referenceName, currentName, currentColor }: {
  labels: readonly string[];
  reference: readonly number[];
  current: readonly number[];
  referenceName: string;
  currentName: string;
  currentColor: string;
}) {
  const data = labels.map((label, i) => ({ label, reference: (reference[i] ?? 0) * 100, current: (current[i] ?? 0) * 100 }));
  const longest = labels.reduce((max, l) => Math.max(max, l.length), 0);
  return (
    <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 0 }} barCategoryGap="20%">
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" tickFormatter={(v: number) => `${Math.round(v)}%`} domain={[0, 'auto']} />
      <YAxis type="category" dataKey="label" width={Math.min(140, Math.max(48, longest * 8 + 8))} interval={0} tick={{ fontSize: 12 }} />
      <Tooltip formatter={(value: unknown) => (typeof value === 'number' ? `${value.toFixed(1)}%` : String(value))} />
      <Legend />
      <Bar dataKey="reference" name={referenceName} fill={REFERENCE_COLOR} isAnimationActive={false} />
      <Bar dataKey="current" name={currentName} fill={currentColor} isAnimationActive={false} />
    </BarChart>
  );
}

function chartHeight(bins: number): number {
  return Math.max(180, bins * 34 + 70);
}

function DriftSummary({ drift }: { drift: DriftReport }) {
  const t = drift.thresholds;
  if (!drift.enoughData) {
    return (
      <p className="monitoring-status" role="status">
        <span className="badge">not enough data</span> Scores appear once a feature has {formatInteger(t.minRows)} live rows in the range.
      </p>
    );
  }
  return (
    <p className="monitoring-status" role="status">
      {drift.drifted ? <span className="badge monitoring-badge-danger">dataset drifted</span> : <span className="badge monitoring-badge-ok">no dataset drift</span>}{' '}
      {drift.driftedFeatures.length === 0
        ? 'No feature drifted.'
        : `${drift.driftedFeatures.length} of ${drift.features.length} features drifted (${formatPercent(drift.share, 0)}; the dataset drifts from ${formatPercent(t.datasetShare, 0)}): ${drift.driftedFeatures.join(', ')}.`}
      <span className="muted small">
        {' '}
        A feature drifts at Jensen–Shannon ≥ {t.jensenShannon} or Wasserstein ≥ {t.wasserstein} (standard deviations).
      </span>
    </p>
  );
}

function FeatureDistributions({ drift }: { drift: DriftReport }) {
  const selectId = useId();
  const [picked, setPicked] = useState<string | null>(null);
  const features = drift.features;
  if (features.length === 0) {
    return <p className="muted">The main model's version has no training profile, so there is nothing to compare the live inputs with.</p>;
  }
  const feature: FeatureDrift = features.find((f) => f.feature === picked) ?? features.find((f) => f.drifted) ?? features[0]!;

  return (
    <>
      <DriftSummary drift={drift} />
      <div className="monitoring-feature-picker">
        <label htmlFor={selectId}>Feature</label>
        <select id={selectId} value={feature.feature} onChange={(event) => setPicked(event.target.value)}>
          {features.map((f) => (
            <option key={f.feature} value={f.feature}>
              {f.feature}
              {f.drifted ? ' (drifted)' : ''}
            </option>
          ))}
        </select>
      </div>
      <ChartCard
        title={`${feature.feature} (${feature.type})`}
        description={
          feature.enoughData
            ? `${formatInteger(feature.rows)} live rows · PSI ${formatScore(feature.psi)} (${feature.psiBand ?? '—'}) · Jensen–Shannon ${formatScore(feature.jensenShannon)}${
                feature.wasserstein !== null && feature.wasserstein !== undefined ? ` · Wasserstein ${formatScore(feature.wasserstein)}` : ''
              }${feature.drifted ? ' · drifted' : ''}`
            : `${formatInteger(feature.rows)} live rows: fewer than ${formatInteger(drift.thresholds.minRows)}, so no scores yet`
        }
        height={chartHeight(feature.labels.length)}
        empty={feature.labels.length === 0 ? 'No bins for this feature.' : undefined}
      >
        <DistributionChart labels={feature.labels} reference={feature.reference} current={feature.current} referenceName="Training" currentName="Live" currentColor={feature.drifted ? DANGER_COLOR : MAIN_COLOR} />
      </ChartCard>
      <div className="monitoring-table-wrap">
        <table className="monitoring-table">
          <caption className="muted small">Every feature over the range; choose one to see its distribution.</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Type</th>
              <th scope="col">Live rows</th>
              <th scope="col">PSI</th>
              <th scope="col">Jensen–Shannon</th>
              <th scope="col">Wasserstein</th>
              <th scope="col">Drift</th>
            </tr>
          </thead>
          <tbody>
            {features.map((f) => (
              <tr key={f.feature} aria-current={f.feature === feature.feature ? 'true' : undefined}>
                <th scope="row">
                  <button type="button" className="monitoring-link" onClick={() => setPicked(f.feature)}>
                    {f.feature}
                  </button>
                </th>
                <td>{f.type}</td>
                <td>{formatInteger(f.rows)}</td>
                <td>
                  {formatScore(f.psi)}
                  {f.psiBand && <span className="muted small"> {f.psiBand}</span>}
                </td>
                <td>{formatScore(f.jensenShannon)}</td>
                <td>{formatScore(f.wasserstein)}</td>
                <td>{!f.enoughData ? <span className="muted small">not enough data</span> : f.drifted ? <span className="badge monitoring-badge-danger">drifted</span> : <span className="muted">no</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PredictionComparison({ drift, comparison, modelNames }: { drift: DriftReport; comparison: Monitoring['comparison'] | null; modelNames: ReadonlyMap<string, string> }) {
  const predictions = drift.predictions;
  const byRole = (role: string) => predictions.find((p) => p.role === role);
  const main = byRole('main');
  const challenger = byRole('challenger');
  const hasChallenger = Boolean(challenger) || Boolean(comparison?.challengerModelId);
  const classification = comparison?.agreementRate !== null && comparison?.agreementRate !== undefined;

  return (
    <>
      {comparison && hasChallenger && (
        <dl className="monitoring-figures">
          <Figure label="Pairs compared" value={formatInteger(comparison.pairs)} hint="same rows, both models" />
          {comparison.agreementRate !== null && <Figure label="Agreement rate" value={formatPercent(comparison.agreementRate)} hint="same label" />}
          {comparison.meanAbsoluteDifference !== null && <Figure label="Mean absolute difference" value={formatDecimal(comparison.meanAbsoluteDifference)} />}
          {comparison.correlation !== null && <Figure label="Correlation" value={comparison.correlation.toFixed(3)} hint="Pearson" />}
          {comparison.pairs === 0 && <Figure label="Agreement" value="—" hint="no pairs yet" />}
          <Figure label="Latency p50" value={`${formatMs(comparison.mainLatencyP50Ms)} / ${formatMs(comparison.challengerLatencyP50Ms)}`} hint="main / challenger" />
        </dl>
      )}
      {!hasChallenger && <p className="muted small">The current version has no challenger: only the main model's predictions are shown.</p>}
      {predictions.length === 0 ? (
        <p className="muted">No prediction distribution to show: the models have no holdout distribution to compare with.</p>
      ) : (
        <div className="monitoring-grid">
          {[main, challenger].map((prediction) =>
            prediction ? <PredictionChart key={prediction.role} prediction={prediction} modelName={modelNames.get(prediction.modelId)} minRows={drift.thresholds.minRows} /> : null,
          )}
        </div>
      )}
      {comparison && hasChallenger && !classification && comparison.meanAbsoluteDifference === null && comparison.pairs > 0 && (
        <p className="muted small">The comparison has no agreement figure for these models.</p>
      )}
    </>
  );
}

function PredictionChart({ prediction, modelName, minRows }: { prediction: PredictionDrift; modelName: string | undefined; minRows: number }) {
  const role = prediction.role === 'challenger' ? 'Challenger' : 'Main';
  return (
    <ChartCard
      title={`${role}${modelName ? `: ${modelName}` : ''}`}
      description={
        prediction.enoughData
          ? `${formatInteger(prediction.rows)} live predictions · Jensen–Shannon ${formatScore(prediction.jensenShannon)} from its holdout${prediction.drifted ? ' · drifted' : ''}`
          : `${formatInteger(prediction.rows)} live predictions: fewer than ${formatInteger(minRows)}, so no scores yet`
      }
      height={chartHeight(prediction.labels.length)}
      empty={prediction.labels.length === 0 ? 'No bins for these predictions.' : undefined}
    >
      <DistributionChart
        labels={prediction.labels}
        reference={prediction.reference}
        current={prediction.current}
        referenceName="Holdout"
        currentName="Live"
        currentColor={prediction.role === 'challenger' ? CHALLENGER_COLOR : MAIN_COLOR}
      />
    </ChartCard>
  );
}

// ---------------------------------------------------------------------------------------------
// Drift over time
// ---------------------------------------------------------------------------------------------

interface DriftRow {
  t: number;
  values: Map<string, number | null>;
}

function DriftOverTime({ monitoring, threshold, minRows, granularity }: { monitoring: Monitoring; threshold: number | null; minRows: number | null; granularity: string }) {
  const { rows, features, max } = useMemo(() => {
    // Feature names are the user's: kept apart from the time so that no name can clash with it.
    const byTime = new Map<number, DriftRow>();
    const names: string[] = [];
    let highest = 0;
    for (const point of monitoring.driftOverTime) {
      const t = Date.parse(point.time);
      const row = byTime.get(t) ?? { t, values: new Map<string, number | null>() };
      row.values.set(point.feature, point.jensenShannon);
      byTime.set(t, row);
      if (!names.includes(point.feature)) names.push(point.feature);
      if (point.jensenShannon !== null) highest = Math.max(highest, point.jensenShannon);
    }
    return { rows: [...byTime.values()].sort((a, b) => a.t - b.t), features: names, max: highest };
  }, [monitoring]);
  const scored = monitoring.driftOverTime.some((p) => p.jensenShannon !== null);
  const start = Date.parse(monitoring.from);
  const end = Date.parse(monitoring.to);
  const unit = granularity === 'hour' ? 'hour' : 'day';
  const top = Math.max(max, threshold ?? 0) * 1.15 || 0.2;

  return (
    <ChartCard
      title={`Jensen–Shannon distance per ${unit}, one line per feature`}
      description={
        <>
          Against the training data{threshold !== null ? `; the dashed line is the drift threshold (${threshold})` : ''}.
          {minRows !== null ? ` A ${unit} with fewer than ${formatInteger(minRows)} live rows has no score (a gap).` : ''}
        </>
      }
      height={300}
      empty={!scored ? (monitoring.driftOverTime.length === 0 ? 'No inputs in this range.' : `No ${unit} has enough live rows to be scored yet.`) : undefined}
    >
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="t" type="number" scale="time" domain={[start, end]} tickFormatter={timeTickFormatter(end - start)} minTickGap={24} />
        <YAxis width={48} domain={[0, Number(top.toFixed(2))]} tickFormatter={(v: number) => v.toFixed(2)} />
        <Tooltip labelFormatter={timeLabelFormatter} formatter={(value: unknown) => (typeof value === 'number' ? value.toFixed(3) : 'not enough data')} />
        <Legend />
        {threshold !== null && <ReferenceLine y={threshold} stroke={DANGER_COLOR} strokeDasharray="6 4" label={{ value: 'threshold', position: 'insideTopRight', fill: DANGER_COLOR, fontSize: 12 }} />}
        {features.map((feature, i) => (
          <Line key={feature} type="monotone" dataKey={(row: DriftRow) => row.values.get(feature) ?? null} name={feature} stroke={CHART_COLORS[i % CHART_COLORS.length]} dot={rows.length <= 2 ? { r: 3 } : false} strokeWidth={2} connectNulls={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </ChartCard>
  );
}

// ---------------------------------------------------------------------------------------------
// Performance
// ---------------------------------------------------------------------------------------------

function Performance({ monitoring, slug, granularity }: { monitoring: Monitoring; slug: string | null; granularity: string }) {
  const points = monitoring.performance;
  const classification = points.some((p) => p.accuracy !== null || p.macroF1 !== null);
  const rows = useMemo(() => {
    const byTime = new Map<number, Record<string, number | null>>();
    for (const p of points) {
      const t = Date.parse(p.time);
      const row = byTime.get(t) ?? { t };
      const role = p.role === 'challenger' ? 'challenger' : 'main';
      if (classification) {
        row[`${role}Accuracy`] = p.accuracy;
        row[`${role}F1`] = p.macroF1;
      } else {
        row[`${role}Rmse`] = p.rmse;
        row[`${role}Mae`] = p.mae;
      }
      row[`${role}Rows`] = p.rows;
      byTime.set(t, row);
    }
    return [...byTime.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  }, [points, classification]);

  if (points.length === 0) {
    return (
      <p className="muted">
        No ground truth in this range. Send the actual values to <code>POST /api/v1/deployments/{slug ?? '{slug}'}/feedback</code> with{' '}
        <code>{'{"requestId", "row", "actual"}'}</code> to see accuracy or error over time.
      </p>
    );
  }
  const hasChallenger = points.some((p) => p.role === 'challenger');
  const start = Date.parse(monitoring.from);
  const end = Date.parse(monitoring.to);
  const total = (role: string) => points.filter((p) => p.role === role).reduce((sum, p) => sum + p.rows, 0);
  const unit = granularity === 'hour' ? 'hour' : 'day';
  const metrics = classification
    ? [
        { key: 'Accuracy', name: 'accuracy' },
        { key: 'F1', name: 'macro F1' },
      ]
    : [
        { key: 'Rmse', name: 'RMSE' },
        { key: 'Mae', name: 'MAE' },
      ];

  return (
    <>
      <p className="muted small">
        Rows with ground truth: {formatInteger(total('main'))} (main){hasChallenger ? `, ${formatInteger(total('challenger'))} (challenger)` : ''}.
      </p>
      <ChartCard title={`${classification ? 'Accuracy and macro F1' : 'RMSE and MAE'} per ${unit}`} description={classification ? 'Higher is better' : 'Lower is better'} height={260}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={[start, end]} tickFormatter={timeTickFormatter(end - start)} minTickGap={24} />
          <YAxis width={56} domain={classification ? [0, 1] : [0, 'auto']} tickFormatter={(v: number) => (classification ? formatPercent(v, 0) : formatDecimal(v))} />
          <Tooltip
            labelFormatter={timeLabelFormatter}
            formatter={(value: unknown) => (typeof value === 'number' ? (classification ? formatPercent(value) : value.toFixed(3)) : '—')}
          />
          <Legend />
          {metrics.map((metric, i) => (
            <Line
              key={`main${metric.key}`}
              type="monotone"
              dataKey={`main${metric.key}`}
              name={`Main ${metric.name}`}
              stroke={MAIN_COLOR}
              strokeDasharray={i === 0 ? undefined : '5 3'}
              strokeWidth={2}
              dot={rows.length <= 2 ? { r: 3 } : false}
              isAnimationActive={false}
            />
          ))}
          {hasChallenger &&
            metrics.map((metric, i) => (
              <Line
                key={`challenger${metric.key}`}
                type="monotone"
                dataKey={`challenger${metric.key}`}
                name={`Challenger ${metric.name}`}
                stroke={CHALLENGER_COLOR}
                strokeDasharray={i === 0 ? undefined : '5 3'}
                strokeWidth={2}
                dot={rows.length <= 2 ? { r: 3 } : false}
                isAnimationActive={false}
              />
            ))}
        </LineChart>
      </ChartCard>
    </>
  );
}
