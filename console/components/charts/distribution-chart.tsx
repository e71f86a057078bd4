'use client';

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { formatPercent, prettyBinLabel } from '../../lib/format';
import { REFERENCE_COLOR } from './colors';

/** Reference vs current shares on the same bins, as horizontal bars so long bin names stay readable. */
export function DistributionChart({ labels, reference, current, referenceName, currentName, currentColor }: {
  labels: readonly string[];
  reference: readonly number[];
  current: readonly number[];
  referenceName: string;
  currentName: string;
  currentColor: string;
}) {
  // Bin edges come as floats ("38.339999999999996"): four significant digits, so labels fit unclipped.
  const data = labels.map((label, i) => ({ label: prettyBinLabel(label), reference: reference[i] ?? 0, current: current[i] ?? 0 }));
  const longest = data.reduce((max, row) => Math.max(max, row.label.length), 0);
  return (
    <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 0 }} barCategoryGap="20%">
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" tickFormatter={(v: number) => formatPercent(v, 0)} domain={[0, 'auto']} />
      <YAxis type="category" dataKey="label" width={Math.min(160, Math.max(48, longest * 7 + 12))} interval={0} tick={{ fontSize: 12 }} />
      <Tooltip formatter={(value: unknown) => (typeof value === 'number' ? formatPercent(value, 1) : String(value))} />
      <Legend />
      <Bar dataKey="reference" name={referenceName} fill={REFERENCE_COLOR} isAnimationActive={false} />
      <Bar dataKey="current" name={currentName} fill={currentColor} isAnimationActive={false} />
    </BarChart>
  );
}

/** A height that gives every bin its bar. */
export function chartHeight(bins: number): number {
  return Math.max(180, bins * 34 + 70);
}
