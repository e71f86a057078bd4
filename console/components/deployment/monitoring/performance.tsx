'use client';

import { Text } from '@mantine/core';
import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDecimal, formatInteger, formatPercent, timeLabelFormatter, timeTickFormatter } from '../../../lib/format';
import type { MonitoringData as Monitoring } from '../../../lib/operations/monitoring';
import { ChartCard } from '../../charts/chart-card';
import { CHALLENGER_COLOR, MAIN_COLOR } from '../../charts/colors';

export function Performance({ monitoring, slug, granularity }: { monitoring: Monitoring; slug: string | null; granularity: string }) {
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
