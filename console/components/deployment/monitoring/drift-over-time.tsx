'use client';

import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { formatInteger, timeLabelFormatter, timeTickFormatter } from '../../../lib/format';
import type { MonitoringData as Monitoring } from '../../../lib/operations/monitoring';
import { ChartCard } from '../../charts/chart-card';
import { CHART_COLORS, DANGER_COLOR } from '../../charts/colors';

interface DriftRow {
  t: number;
  values: Map<string, number | null>;
  /** Features whose verdict for this hour or day is "drifted": the same rule as the report's. */
  drifted: Set<string>;
}

export function DriftOverTime({ monitoring, threshold, minRows, granularity }: { monitoring: Monitoring; threshold: number | null; minRows: number | null; granularity: string }) {
  const { rows, features, max } = useMemo(() => {
    // Feature names are the user's: kept apart from the time so that no name can clash with it.
    const byTime = new Map<number, DriftRow>();
    const names: string[] = [];
    let highest = 0;
    for (const point of monitoring.driftOverTime) {
      const t = Date.parse(point.time);
      const row = byTime.get(t) ?? { t, values: new Map<string, number | null>(), drifted: new Set<string>() };
      row.values.set(point.feature, point.jensenShannon);
      if (point.drifted) row.drifted.add(point.feature);
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
          Against the training data{threshold !== null ? `; the dashed line is the effect floor (${threshold}), below which nothing drifts` : ''}. A red dot marks a {unit} whose
          verdict is drifted (significant for its number of rows, and above the floor).
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
          <Line
            key={feature}
            type="monotone"
            dataKey={(row: DriftRow) => row.values.get(feature) ?? null}
            name={feature}
            stroke={CHART_COLORS[i % CHART_COLORS.length]}
            dot={(props: { cx?: number; cy?: number; payload?: DriftRow; index?: number }) => {
              const { cx, cy, payload, index } = props;
              if (cx === undefined || cy === undefined || !payload || payload.values.get(feature) == null) return <g key={`${feature}-${index}`} />;
              const drifted = payload.drifted.has(feature);
              if (!drifted && rows.length > 2) return <g key={`${feature}-${index}`} />;
              return <circle key={`${feature}-${index}`} cx={cx} cy={cy} r={drifted ? 4 : 3} fill={drifted ? DANGER_COLOR : CHART_COLORS[i % CHART_COLORS.length]} stroke="none" />;
            }}
            strokeWidth={2}
            connectNulls={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartCard>
  );
}
