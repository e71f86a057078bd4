'use client';

import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { SimpleGrid } from '@mantine/core';
import { formatDecimal, formatInteger, formatMs, formatPercent, timeLabelFormatter, timeTickFormatter } from '../../../lib/format';
import type { MonitoringData as Monitoring } from '../../../lib/operations/monitoring';
import { ChartCard } from '../../charts/chart-card';
import { CHALLENGER_COLOR, CHART_COLORS, DANGER_COLOR, MAIN_COLOR } from '../../charts/colors';
import { loneDots } from '../../charts/lone-dots';
import { Figure } from '../../ui/figure';
import { DAY_MS, HOUR_MS } from './range-picker';

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


const countFormatter = (value: unknown) => (typeof value === 'number' ? formatInteger(value) : String(value ?? '—'));
const msFormatter = (value: unknown) => (typeof value === 'number' ? formatMs(value) : '—');

export function TrafficCharts({ monitoring }: { monitoring: Monitoring }) {
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
        <ChartCard
          title={`Requests per ${per}`}
          description={hasChallenger ? 'The challenger gets the same requests as the main model, less those it shed: side by side, so neither hides the other' : undefined}
          empty={noTraffic ? 'No requests in this range.' : undefined}
        >
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {xAxis}
            <YAxis allowDecimals={false} width={48} tickFormatter={(v: number) => formatInteger(v)} />
            <Tooltip labelFormatter={timeLabelFormatter} formatter={countFormatter} />
            <Legend />
            <Bar dataKey="mainRequests" name="Main" fill={MAIN_COLOR} isAnimationActive={false} />
            {hasChallenger && <Bar dataKey="challengerRequests" name="Challenger" fill={CHALLENGER_COLOR} isAnimationActive={false} />}
          </BarChart>
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
