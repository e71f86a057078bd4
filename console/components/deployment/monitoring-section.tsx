'use client';

import { Box, Button, Center, Group, NativeSelect, Paper, ScrollArea, SegmentedControl, SimpleGrid, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
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
import { useSocketState } from '../../lib/client';
import { useIsBrowser } from '../../lib/use-is-browser';
import { ErrorMessage } from '../error-message';
import { StateBadge } from '../status-badges';

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
      trafficStep
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
    <Paper component="figure" withBorder p="sm" m={0} aria-labelledby={headingId} style={{ minWidth: 0 }}>
      <figcaption>
        <Title order={4} size="h6" id={headingId}>
          {title}
        </Title>
        {description && <Text size="xs" c="dimmed">{description}</Text>}
      </figcaption>
      {empty ? (
        <Center c="dimmed" fz="sm" mt="xs" style={{ minHeight: Math.min(height, 160), border: '1px dashed var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-sm)' }}>
          {empty}
        </Center>
      ) : (
        <div className="chart-body" style={{ height, marginTop: 'var(--mantine-spacing-xs)' }}>
          <ResponsiveContainer width="100%" height="100%">
            {children as ReactElement}
          </ResponsiveContainer>
        </div>
      )}
    </Paper>
  );
}

/** One labelled figure of a row of figures. */
export function Figure({ label, value, hint, tone }: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'danger' | 'ok' }) {
  return (
    <Paper withBorder px="sm" py={8} className={`monitoring-figure${tone ? ` monitoring-figure-${tone}` : ''}`} style={{ minWidth: 0 }}>
      <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <dd style={{ margin: 0 }}>
        <Text span fz="xl" fw={700} c={tone === 'danger' ? 'red' : undefined} className="monitoring-figure-value" style={{ fontVariantNumeric: 'tabular-nums' }}>
          {value}
        </Text>
        {hint && (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        )}
      </dd>
    </Paper>
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
    <Stack gap="md">
      <LiveFigures deploymentId={deploymentId} />

      <Group justify="space-between" align="flex-end" gap="sm">
        <RangePicker value={rangeKey} onChange={setRangeKey} custom={custom} onCustom={setCustom} />
        <Text size="sm" c="dimmed" data-testid="monitoring-range">
          {shownRange ? (
            <>
              {formatDateTime(shownRange.from)} – {formatDateTime(shownRange.to)}
              {monitoringResult.fetching || driftResult.fetching ? ' · updating…' : live ? ' · refreshes every 10 s' : ''}
            </>
          ) : rangeKey === 'custom' && !custom ? (
            'Choose the start and end of the range.'
          ) : null}
        </Text>
      </Group>

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
            {drift && !monitoring && !monitoringResult.error && <Text c="dimmed">Loading the comparison…</Text>}
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
    </Stack>
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
    <section aria-label={title}>
      <Title order={3} size="h4" mb="sm">
        {title}
      </Title>
      {result.error && !result.data ? (
        <ErrorMessage message={messageOf(result.error)} onRetry={onRetry} />
      ) : !result.data ? (
        <Stack gap="xs" aria-busy="true" role="status">
          <Text c="dimmed" size="sm">
            {loading}
          </Text>
          <Skeleton h={160} />
        </Stack>
      ) : (
        <>
          {result.error && (
            <Text size="sm" c="red" role="status">
              The last refresh failed: {messageOf(result.error)}
            </Text>
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
    <Stack gap="xs" style={{ minWidth: 0, maxWidth: '100%' }}>
      <ScrollArea type="never" offsetScrollbars={false}>
        <SegmentedControl
          aria-label="Time range"
          size="xs"
          value={value}
          onChange={(key) => onChange(key as RangeKey)}
          data={RANGES.map((range) => ({ value: range.key, label: range.label }))}
        />
      </ScrollArea>
      {value === 'custom' && (
        <form onSubmit={apply} aria-label="Custom time range">
          <Group align="flex-end" gap="xs" wrap="wrap">
            <TextInput label="From" size="xs" type="datetime-local" name="from" required defaultValue={custom ? toLocalInput(Date.parse(custom.from)) : defaults.from} />
            <TextInput label="To" size="xs" type="datetime-local" name="to" required defaultValue={custom ? toLocalInput(Date.parse(custom.to)) : defaults.to} />
            <Button type="submit" size="xs">
              Show
            </Button>
          </Group>
          {error && (
            <Text size="sm" c="red" role="alert" mt={4}>
              {error}
            </Text>
          )}
        </form>
      )}
    </Stack>
  );
}

// ---------------------------------------------------------------------------------------------
// Live figures
// ---------------------------------------------------------------------------------------------

/**
 * The head of a live block: a dot that is lit while figures arrive, and what the connection is
 * doing: the socket's own state (graphql-ws), so an open socket waiting for its first figures
 * does not say "connecting…".
 */
export function LiveHead({ live, error, browser, liveText }: { live: boolean; error: boolean; browser: boolean; liveText: string }) {
  const socket = useSocketState();
  const lit = live && !error && socket === 'connected';
  const text = error
    ? ''
    : socket === 'closed'
      ? 'disconnected · reconnecting…'
      : live
        ? liveText
        : socket === 'connected'
          ? 'connected · waiting for the first figures…'
          : browser
            ? 'connecting…'
            : '';
  return (
    <Group gap="xs" mb="xs" wrap="wrap">
      <Group gap={6} wrap="nowrap">
        <Box
          aria-hidden="true"
          w={10}
          h={10}
          style={{ borderRadius: '50%', background: lit ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-5)', boxShadow: lit ? '0 0 0 3px var(--mantine-color-teal-light)' : undefined }}
        />
        <Title order={3} size="h5">
          Live
        </Title>
      </Group>
      <Text span size="sm" c="dimmed" data-testid="live-state" data-socket={socket}>
        {text}
      </Text>
    </Group>
  );
}

function LiveFigures({ deploymentId }: { deploymentId: string }) {
  const { live, error, browser } = useLiveMetrics(deploymentId);
  return (
    <Paper component="section" withBorder p="sm" aria-label="Live figures">
      <LiveHead live={live !== null} error={Boolean(error)} browser={browser} liveText={live ? `over the last 10 seconds · ${secondFormat.format(new Date(live.at))}` : ''} />
      {error && !live ? (
        <Text size="sm" c="red" role="status">
          Live figures are unavailable: {messageOf(error)}
        </Text>
      ) : (
        <dl className="monitoring-figures" aria-live="off">
          <Figure label="Requests/s" value={live ? formatRate(live.requestsPerSecond) : '—'} hint={live ? `${formatRate(live.rowsPerSecond)} rows/s` : undefined} />
          <Figure label="Errors/s" value={live ? formatRate(live.errorsPerSecond) : '—'} tone={live && live.errorsPerSecond > 0 ? 'danger' : undefined} />
          <Figure label="Latency p50" value={live ? formatMs(live.p50Ms) : '—'} />
          <Figure label="Latency p95" value={live ? formatMs(live.p95Ms) : '—'} />
        </dl>
      )}
    </Paper>
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

/** Steps without a point are filled with zeros (no requests), up to a couple of months of hours. */
const MAX_FILLED_STEPS = 24 * 62;

/** The width of the server's traffic points: an hour, or a UTC day (points at UTC midnight) for long ranges. */
const stepMs = (monitoring: Monitoring) => (monitoring.trafficStep === 'day' ? DAY_MS : HOUR_MS);

function bucketedTraffic(monitoring: Monitoring, withChallenger: boolean): HourRow[] {
  const step = stepMs(monitoring);
  const start = Math.floor(Date.parse(monitoring.from) / step) * step;
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
  if ((end - start) / step <= MAX_FILLED_STEPS) for (let t = start; t < end; t += step) rows.set(t, empty(t));
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

/**
 * A line's dots: only where a point stands alone, with no neighbouring point to draw a segment
 * to (hours without requests have no latency, minutes without samples no process CPU), so a
 * range with a single hour of traffic still shows its point. Hollow ones go with dashed lines.
 */
export function loneDots<Row, Key extends keyof Row>(rows: Row[], key: Key, color: string, hollow = false) {
  const LoneDot = (props: { cx?: number; cy?: number; index?: number }) => {
    const i = props.index ?? -1;
    const alone = rows[i]?.[key] != null && rows[i - 1]?.[key] == null && rows[i + 1]?.[key] == null;
    if (!alone || props.cx === undefined || props.cy === undefined) return <g key={`none-${i}`} />;
    return <circle key={`dot-${i}`} className="lone-dot" cx={props.cx} cy={props.cy} r={4} fill={hollow ? 'var(--mantine-color-body)' : color} stroke={color} strokeWidth={2} />;
  };
  return LoneDot;
}

const countFormatter = (value: unknown) => (typeof value === 'number' ? formatInteger(value) : String(value ?? '—'));
const msFormatter = (value: unknown) => (typeof value === 'number' ? formatMs(value) : '—');

function TrafficCharts({ monitoring }: { monitoring: Monitoring }) {
  const hasChallenger = monitoring.comparison.challengerModelId !== null || monitoring.traffic.some((p) => p.role === 'challenger');
  const rows = useMemo(() => bucketedTraffic(monitoring, hasChallenger), [monitoring, hasChallenger]);
  const per = monitoring.trafficStep === 'day' ? 'day' : 'hour';
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
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="sm">
        <ChartCard title={`Requests per ${per}`} empty={noTraffic ? 'No requests in this range.' : undefined}>
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
        <ChartCard title={`Errors per ${per}`} description="Rows whose model call failed" empty={noTraffic ? 'No requests in this range.' : undefined}>
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
        <ChartCard title="Latency" description={`p50 and p95 per ${per}`} empty={noTraffic ? 'No requests in this range.' : undefined}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {xAxis}
            <YAxis width={72} tickFormatter={(v: number) => formatMs(v)} />
            <Tooltip labelFormatter={timeLabelFormatter} formatter={msFormatter} />
            <Legend />
            <Line type="monotone" dataKey="mainP50" name="Main p50" stroke={MAIN_COLOR} dot={loneDots(rows, 'mainP50', MAIN_COLOR)} strokeWidth={2} isAnimationActive={false} />
            <Line type="monotone" dataKey="mainP95" name="Main p95" stroke={MAIN_COLOR} dot={loneDots(rows, 'mainP95', MAIN_COLOR, true)} strokeDasharray="5 3" isAnimationActive={false} />
            {hasChallenger && <Line type="monotone" dataKey="challengerP50" name="Challenger p50" stroke={CHALLENGER_COLOR} dot={loneDots(rows, 'challengerP50', CHALLENGER_COLOR)} strokeWidth={2} isAnimationActive={false} />}
            {hasChallenger && <Line type="monotone" dataKey="challengerP95" name="Challenger p95" stroke={CHALLENGER_COLOR} dot={loneDots(rows, 'challengerP95', CHALLENGER_COLOR, true)} strokeDasharray="5 3" isAnimationActive={false} />}
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
      </SimpleGrid>
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
      <Text size="sm" role="status" mb="sm">
        <StateBadge tone="off">not enough data</StateBadge> Scores appear once a feature has {formatInteger(t.minRows)} live rows in the range.
      </Text>
    );
  }
  return (
    <Text size="sm" role="status" mb="sm">
      {drift.drifted ? <StateBadge tone="bad">dataset drifted</StateBadge> : <StateBadge tone="ok">no dataset drift</StateBadge>}{' '}
      {drift.driftedFeatures.length === 0
        ? 'No feature drifted.'
        : `${drift.driftedFeatures.length} of ${drift.features.length} features drifted (${formatPercent(drift.share, 0)}; the dataset drifts from ${formatPercent(t.datasetShare, 0)}): ${drift.driftedFeatures.join(', ')}.`}
      <Text span size="sm" c="dimmed">
        {' '}
        A feature drifts at Jensen–Shannon ≥ {t.jensenShannon} or Wasserstein ≥ {t.wasserstein} (standard deviations).
      </Text>
    </Text>
  );
}

function FeatureDistributions({ drift }: { drift: DriftReport }) {
  const selectId = useId();
  const [picked, setPicked] = useState<string | null>(null);
  const features = drift.features;
  if (features.length === 0) {
    return <Text c="dimmed">The main model's version has no training profile, so there is nothing to compare the live inputs with.</Text>;
  }
  const feature: FeatureDrift = features.find((f) => f.feature === picked) ?? features.find((f) => f.drifted) ?? features[0]!;

  return (
    <>
      <DriftSummary drift={drift} />
      <NativeSelect id={selectId} label="Feature" size="xs" mb="sm" maw={360} value={feature.feature} onChange={(event) => setPicked(event.currentTarget.value)}>
        {features.map((f) => (
          <option key={f.feature} value={f.feature}>
            {f.feature}
            {f.drifted ? ' (drifted)' : ''}
          </option>
        ))}
      </NativeSelect>
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
      <Table.ScrollContainer minWidth={560} type="native" mt="sm">
        <Table withTableBorder verticalSpacing={6} fz="sm">
          <Table.Caption>Every feature over the range; choose one to see its distribution.</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Feature</Table.Th>
              <Table.Th scope="col">Type</Table.Th>
              <Table.Th scope="col">Live rows</Table.Th>
              <Table.Th scope="col">PSI</Table.Th>
              <Table.Th scope="col">Jensen–Shannon</Table.Th>
              <Table.Th scope="col">Wasserstein</Table.Th>
              <Table.Th scope="col">Drift</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {features.map((f) => (
              <Table.Tr key={f.feature} aria-current={f.feature === feature.feature ? 'true' : undefined}>
                <Table.Th scope="row">
                  <Button variant="subtle" size="compact-sm" onClick={() => setPicked(f.feature)}>
                    {f.feature}
                  </Button>
                </Table.Th>
                <Table.Td>{f.type}</Table.Td>
                <Table.Td>{formatInteger(f.rows)}</Table.Td>
                <Table.Td>
                  {formatScore(f.psi)}
                  {f.psiBand && <Text span size="sm" c="dimmed"> {f.psiBand}</Text>}
                </Table.Td>
                <Table.Td>{formatScore(f.jensenShannon)}</Table.Td>
                <Table.Td>{formatScore(f.wasserstein)}</Table.Td>
                <Table.Td>{!f.enoughData ? <Text span size="sm" c="dimmed">not enough data</Text> : f.drifted ? <StateBadge tone="bad">drifted</StateBadge> : <Text span c="dimmed" inherit>no</Text>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
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
      {!hasChallenger && <Text size="sm" c="dimmed">The current version has no challenger: only the main model's predictions are shown.</Text>}
      {predictions.length === 0 ? (
        <Text c="dimmed">No prediction distribution to show: the models have no holdout distribution to compare with.</Text>
      ) : (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="sm">
          {[main, challenger].map((prediction) =>
            prediction ? <PredictionChart key={prediction.role} prediction={prediction} modelName={modelNames.get(prediction.modelId)} minRows={drift.thresholds.minRows} /> : null,
          )}
        </SimpleGrid>
      )}
      {comparison && hasChallenger && !classification && comparison.meanAbsoluteDifference === null && comparison.pairs > 0 && (
        <Text size="sm" c="dimmed">The comparison has no agreement figure for these models.</Text>
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
      <Text c="dimmed">
        No ground truth in this range. Send the actual values to <code>POST /api/v1/deployments/{slug ?? '{slug}'}/feedback</code> with{' '}
        <code>{'{"requestId", "row", "actual"}'}</code> to see accuracy or error over time.
      </Text>
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
      <Text size="sm" c="dimmed">
        Rows with ground truth: {formatInteger(total('main'))} (main){hasChallenger ? `, ${formatInteger(total('challenger'))} (challenger)` : ''}.
      </Text>
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
