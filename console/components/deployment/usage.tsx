'use client';

import { Group, Paper, SegmentedControl, SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useQuery } from 'urql';
import { messageOf } from '../../lib/errors';
import { UsageQuery, type UsagePointData as UsagePoint } from '../../lib/operations/usage';
import { useIsBrowser } from '../../lib/use-is-browser';
import { ErrorMessage } from '../error-message';
import { formatBytes, formatDateTime, formatDecimal, formatInteger, timeLabelFormatter, timeTickFormatter } from '../../lib/format';
import { useInterval } from '../../lib/use-interval';
import { ChartCard } from '../charts/chart-card';
import { CHART_COLORS, MAIN_COLOR, REFERENCE_COLOR } from '../charts/colors';
import { loneDots } from '../charts/lone-dots';
import { Figure } from '../ui/figure';
import { LiveHead, useLiveMetrics } from './monitoring/live-figures';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

type RangeKey = '1h' | '6h' | '24h' | '7d';

const RANGES: Array<{ key: RangeKey; label: string; ms: number }> = [
  { key: '1h', label: '1 h', ms: HOUR_MS },
  { key: '6h', label: '6 h', ms: 6 * HOUR_MS },
  { key: '24h', label: '24 h', ms: 24 * HOUR_MS },
  { key: '7d', label: '7 days', ms: 7 * 24 * HOUR_MS },
];

/** Most points drawn; longer ranges are averaged into buckets of several minutes. */
const MAX_POINTS = 720;
const BUCKET_MINUTES = [1, 2, 5, 10, 15, 30, 60];
/** The server writes a minute shortly after it closes. */
const WRITE_DELAY_MS = 5_000;
/** Seconds of live figures kept for the live chart. */
const LIVE_SECONDS = 120;

interface UsageRow {
  t: number;
  cpu: number;
  processCpu: number | null;
  memory: number;
  rss: number | null;
}

/** CPU averaged per minute over each bucket, memory at its largest. */
function bucketed(points: readonly UsagePoint[]): { rows: UsageRow[]; minutes: number } {
  const minutes = BUCKET_MINUTES.find((m) => points.length / m <= MAX_POINTS) ?? 60;
  const rows: UsageRow[] = [];
  for (let i = 0; i < points.length; i += minutes) {
    const slice = points.slice(i, i + minutes);
    const process = slice.filter((p) => p.processCpuSeconds !== null);
    const rss = slice.filter((p) => p.processRssBytes !== null);
    rows.push({
      t: Date.parse(slice[0]!.minute),
      cpu: slice.reduce((sum, p) => sum + p.cpuSeconds, 0) / slice.length,
      processCpu: process.length ? process.reduce((sum, p) => sum + (p.processCpuSeconds ?? 0), 0) / process.length : null,
      memory: Math.max(...slice.map((p) => p.memoryBytes)),
      rss: rss.length ? Math.max(...rss.map((p) => p.processRssBytes ?? 0)) : null,
    });
  }
  return { rows, minutes };
}

const cpuFormatter = (value: unknown) => (typeof value === 'number' ? `${value < 1 ? value.toFixed(3) : value.toFixed(2)} CPU s` : '—');
const bytesFormatter = (value: unknown) => (typeof value === 'number' ? formatBytes(value) : '—');

export function UsageSection({ deploymentId, createdAt }: { deploymentId: string; createdAt?: string }) {
  const browser = useIsBrowser();
  const [rangeKey, setRangeKey] = useState<RangeKey>('1h');
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), 10_000);

  // Whole closed minutes only: the minute in progress is not written yet and would read as zero.
  // The variables change once a minute, which is when there is something new to fetch.
  const range = RANGES.find((r) => r.key === rangeKey)!;
  const to = Math.floor((now - WRITE_DELAY_MS) / MINUTE_MS) * MINUTE_MS;
  const variables = useMemo(() => ({ deploymentId, from: new Date(to - range.ms).toISOString(), to: new Date(to).toISOString() }), [deploymentId, to, range.ms]);
  const [{ data, error, fetching }, refetch] = useQuery({ query: UsageQuery, variables, pause: !browser });

  // Minutes before the deployment existed have nothing to say: not drawn (as 0 B or 0 s) at all.
  const born = createdAt ? Math.floor(Date.parse(createdAt) / MINUTE_MS) * MINUTE_MS : null;
  const points = useMemo(() => (born === null ? data?.deploymentUsage : data?.deploymentUsage.filter((p) => Date.parse(p.minute) >= born)), [data, born]);
  const { rows, minutes } = useMemo(() => bucketed(points ?? []), [points]);
  const start = points?.length ? Date.parse(points[0]!.minute) : to - range.ms;
  const span = range.ms;
  const tick = timeTickFormatter(span);
  const anyCpu = rows.some((r) => r.cpu > 0);
  const anyMemory = rows.some((r) => r.memory > 0);
  const totals = useMemo(() => {
    let cpu = 0;
    let processCpu = 0;
    let requests = 0;
    for (const p of points ?? []) {
      cpu += p.cpuSeconds;
      processCpu += p.processCpuSeconds ?? 0;
      requests += p.requests;
    }
    return { cpu, processCpu, requests };
  }, [points]);
  const per = minutes === 1 ? 'per minute' : `per minute, averaged over ${minutes} minutes`;

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        How it is measured: CPU is the user + system time taken by this deployment&apos;s preprocessing and model calls, timed around each call (with the
        whole process beside it, to judge the attribution); memory is the size of its loaded models. Live figures come from the server you are connected to.
      </Text>

      <LiveUsage deploymentId={deploymentId} />

      <Group justify="space-between" align="flex-end" gap="sm">
        <SegmentedControl aria-label="Usage time range" size="xs" value={rangeKey} onChange={(key) => setRangeKey(key as typeof rangeKey)} data={RANGES.map((r) => ({ value: r.key, label: r.label }))} />
        <Text size="sm" c="dimmed">
          {points?.length ? `${formatDateTime(start)} – ${formatDateTime(to)}` : ''}
          {fetching ? ' · updating…' : points ? ' · refreshes every minute; the current minute counts once it ends' : ''}
        </Text>
      </Group>

      {error && !data ? (
        <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !points ? (
        <Stack gap="xs" aria-busy="true" role="status">
          <Text c="dimmed" size="sm">
            Loading usage…
          </Text>
          <Skeleton h={200} />
        </Stack>
      ) : (
        <>
          {error && (
            <Text size="sm" c="red" role="status">
              The last refresh failed: {messageOf(error)}
            </Text>
          )}
          <dl className="monitoring-figures">
            <Figure label="CPU in range" value={`${formatDecimal(totals.cpu)} s`} hint={totals.processCpu > 0 ? `process: ${formatDecimal(totals.processCpu)} s` : undefined} />
            <Figure label="Requests in range" value={formatInteger(totals.requests)} />
            <Figure label="Model memory" value={formatBytes(points.at(-1)?.memoryBytes ?? 0)} hint="latest minute" />
            <Figure label="Process memory (RSS)" value={points.at(-1)?.processRssBytes ? formatBytes(points.at(-1)!.processRssBytes!) : '—'} hint="latest minute" />
          </dl>
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="sm">
            <ChartCard
              title="CPU seconds per minute"
              description={`This deployment (left axis) and the whole Berth process (right axis, dashed), ${per}`}
              empty={points.length === 0 ? 'No minutes in this range.' : !anyCpu && !rows.some((r) => (r.processCpu ?? 0) > 0) ? 'No CPU recorded in this range: no requests reached the models.' : undefined}
            >
              <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="t" type="number" scale="time" domain={[start, to]} tickFormatter={tick} minTickGap={24} />
                {/* The deployment is a small part of the process: on one axis its line would lie flat under the process's. */}
                <YAxis yAxisId="deployment" width={52} tickFormatter={(v: number) => formatDecimal(v)} stroke={MAIN_COLOR} />
                <YAxis yAxisId="process" orientation="right" width={52} tickFormatter={(v: number) => formatDecimal(v)} stroke={REFERENCE_COLOR} />
                <Tooltip labelFormatter={timeLabelFormatter} formatter={cpuFormatter} />
                <Legend />
                <Line yAxisId="process" type="monotone" dataKey="processCpu" name="Whole process (right axis)" stroke={REFERENCE_COLOR} strokeDasharray="5 3" dot={loneDots(rows, 'processCpu', REFERENCE_COLOR, true)} isAnimationActive={false} />
                <Line yAxisId="deployment" type="monotone" dataKey="cpu" name="This deployment (left axis)" stroke={MAIN_COLOR} strokeWidth={2} dot={loneDots(rows, 'cpu', MAIN_COLOR)} isAnimationActive={false} />
              </LineChart>
            </ChartCard>
            <ChartCard
              title="Memory"
              description={`Bytes held by its loaded models, largest ${minutes === 1 ? 'in each minute' : `over ${minutes} minutes`}`}
              empty={points.length === 0 ? 'No minutes in this range.' : !anyMemory ? 'No model memory recorded in this range.' : undefined}
            >
              <AreaChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="t" type="number" scale="time" domain={[start, to]} tickFormatter={tick} minTickGap={24} />
                <YAxis width={64} tickFormatter={(v: number) => formatBytes(v)} />
                <Tooltip labelFormatter={timeLabelFormatter} formatter={bytesFormatter} />
                <Area type="stepAfter" dataKey="memory" name="Model memory" stroke={CHART_COLORS[2]} fill={CHART_COLORS[2]} fillOpacity={0.2} isAnimationActive={false} />
              </AreaChart>
            </ChartCard>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

interface LiveRow {
  t: number;
  cpu: number;
  memory: number;
}

/** The live CPU and memory, with the last two minutes of them drawn as they arrive. */
function LiveUsage({ deploymentId }: { deploymentId: string }) {
  const { live, error, browser } = useLiveMetrics(deploymentId);
  const [history, setHistory] = useState<LiveRow[]>([]);

  useEffect(() => {
    if (!live) return;
    const t = Date.parse(live.at);
    setHistory((rows) => {
      if (rows.length && rows[rows.length - 1]!.t >= t) return rows;
      return [...rows, { t, cpu: live.cpuSecondsPerSecond, memory: live.memoryBytes }].filter((row) => row.t > t - LIVE_SECONDS * 1000);
    });
  }, [live]);

  const last = history.at(-1)?.t ?? 0;
  return (
    <Paper component="section" withBorder p="sm" aria-label="Live CPU and memory">
      <LiveHead live={live !== null} error={Boolean(error)} browser={browser} liveText="over the last 10 seconds, every second" />
      {error && !live ? (
        <Text size="sm" c="red" role="status">
          Live figures are unavailable: {messageOf(error)}
        </Text>
      ) : (
        <div>
          <dl className="monitoring-figures">
            <Figure
              label="CPU"
              value={live ? `${(live.cpuSecondsPerSecond * 100).toFixed(live.cpuSecondsPerSecond < 0.1 ? 1 : 0)}%` : '—'}
              hint={live ? `of one core (${live.cpuSecondsPerSecond.toFixed(3)} CPU s/s)` : undefined}
            />
            <Figure label="Model memory" value={live ? formatBytes(live.memoryBytes) : '—'} />
          </dl>
          {history.length > 0 && (
            <div aria-hidden="true" style={{ marginTop: 'var(--mantine-spacing-xs)', minWidth: 0 }} data-testid="live-cpu-chart">
              <ResponsiveContainer width="100%" height={96}>
                <AreaChart data={history} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="t" type="number" domain={[last - LIVE_SECONDS * 1000, last]} hide />
                  <YAxis width={44} domain={[0, (max: number) => Math.max(max, 0.01)]} tickFormatter={(v: number) => `${Math.round(v * 1000) / 10}%`} tickCount={3} fontSize={11} />
                  <Area type="linear" dataKey="cpu" stroke={MAIN_COLOR} strokeWidth={2} fill={MAIN_COLOR} fillOpacity={0.2} dot={history.length === 1 ? { r: 3, fill: MAIN_COLOR } : false} isAnimationActive={false} />
                </AreaChart>
              </ResponsiveContainer>
              <Text span size="sm" c="dimmed">
                CPU of one core, last {LIVE_SECONDS / 60} minutes{history.every((row) => row.cpu === 0) ? ': idle, no requests reached the models' : ''}
              </Text>
            </div>
          )}
        </div>
      )}
    </Paper>
  );
}
