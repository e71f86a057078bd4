'use client';

import { Bar, BarChart, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Text } from '@mantine/core';
import { formatPercent } from '../../lib/format';

const PREDICTED = '#1f5fd6';
const OTHER = '#9fb3d9';

/** Class probabilities as horizontal bars, the predicted class highlighted, most likely first. */
export function ProbabilityChart({ probabilities, predicted }: { probabilities: Record<string, number>; predicted: string }) {
  const rows = Object.entries(probabilities)
    .map(([label, probability]) => ({ label, probability }))
    .sort((a, b) => b.probability - a.probability);
  const description = rows.map((row) => `${row.label} ${formatPercent(row.probability)}`).join(', ');
  return (
    <figure className="chart-figure">
      <Text component="figcaption" size="sm" c="dimmed">
        Probability of each class
      </Text>
      <div className="chart" role="img" aria-label={`Class probabilities: ${description}`}>
        <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 40 + 30)}>
          <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 48, bottom: 4, left: 4 }}>
            <XAxis type="number" domain={[0, 1]} tickFormatter={(value: number) => formatPercent(value)} tick={{ fontSize: 11, fill: 'currentColor' }} />
            <YAxis type="category" dataKey="label" width={96} tick={{ fontSize: 12, fill: 'currentColor' }} />
            <Tooltip formatter={(value) => formatPercent(Number(value))} contentStyle={{ color: '#1c2130' }} cursor={{ fill: 'rgba(127,127,127,0.1)' }} />
            <Bar dataKey="probability" name="Probability" isAnimationActive={false}>
              {rows.map((row) => (
                <Cell key={row.label} fill={row.label === predicted ? PREDICTED : OTHER} />
              ))}
              <LabelList dataKey="probability" position="right" formatter={(value: unknown) => formatPercent(Number(value))} style={{ fontSize: 12, fill: 'currentColor' }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
