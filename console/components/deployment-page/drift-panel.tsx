'use client';

import { Alert, Button, Group, NativeSelect, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useQuery } from 'urql';
import { DeploymentDriftQuery, type DriftReportData } from '../../lib/deployment-operations';
import { messageOf } from '../../lib/errors';
import { formatDateTime, formatNumber, percent, prettyBinLabel } from '../../lib/format';
import { Loading } from '../app-shell';
import { StateBadge } from '../status-badges';
import { ErrorMessage } from '../error-message';

const RANGES = [
  { id: 'version', label: 'Since the current version', hours: null },
  { id: 'day', label: 'Last 24 hours', hours: 24 },
  { id: 'week', label: 'Last 7 days', hours: 24 * 7 },
] as const;

const REFERENCE_COLOR = '#7c8aa5';
const LIVE_COLOR = '#e07b1f';

type Distribution = DriftReportData['features'][number] | DriftReportData['predictions'][number];

/** One choice of the picker: a feature, or the predictions of the main or challenger model. */
interface Series {
  key: string;
  label: string;
  type: string | null;
  distribution: Distribution;
}

/**
 * Drift of live data against the training data: the dataset verdict, then per feature (or per
 * model's predictions) the training and live shares of each bin as grouped bars, with the scores.
 */
export function DriftPanel({ deploymentId }: { deploymentId: string }) {
  const [range, setRange] = useState<{ id: string; from: string | null }>({ id: 'version', from: null });
  const [{ data, fetching, error }, refetch] = useQuery({
    query: DeploymentDriftQuery,
    variables: { deploymentId, from: range.from },
    requestPolicy: 'cache-and-network',
  });
  const [picked, setPicked] = useState<string | null>(null);

  function chooseRange(id: string) {
    const hours = RANGES.find((candidate) => candidate.id === id)?.hours ?? null;
    setRange({ id, from: hours === null ? null : new Date(Date.now() - hours * 3_600_000).toISOString() });
  }

  const report = data?.deploymentDrift;
  const series: Series[] = report
    ? [
        ...report.features.map((feature) => ({ key: `feature:${feature.feature}`, label: feature.feature, type: feature.type, distribution: feature })),
        ...report.predictions.map((prediction) => ({ key: `prediction:${prediction.role}`, label: `Predictions (${prediction.role})`, type: null, distribution: prediction })),
      ]
    : [];
  const selected = series.find((candidate) => candidate.key === picked) ?? series.find((candidate) => candidate.distribution.drifted) ?? series[0];

  return (
    <div className="drift">
      <Group align="flex-end" gap="sm" wrap="wrap" mb="sm">
        <NativeSelect label="Period" size="xs" value={range.id} onChange={(event) => chooseRange(event.currentTarget.value)} data={RANGES.map((candidate) => ({ value: candidate.id, label: candidate.label }))} />
        {series.length > 0 && (
          <NativeSelect label="Feature" size="xs" value={selected?.key} onChange={(event) => setPicked(event.currentTarget.value)} style={{ minWidth: 0, maxWidth: '100%' }}>
            {series.map((candidate) => (
              <option key={candidate.key} value={candidate.key}>
                {candidate.label}
                {candidate.distribution.drifted ? ' — drifted' : ''}
              </option>
            ))}
          </NativeSelect>
        )}
        <Button  onClick={() => refetch({ requestPolicy: 'network-only' })} disabled={fetching} variant="default" size="xs">
          {fetching ? 'Refreshing…' : 'Refresh'}
        </Button>
      </Group>

      {error && !report && <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />}
      {!report && !error && <Loading what="drift" />}
      {report && <DriftVerdict report={report} />}
      {report && selected && <DistributionChart series={selected} thresholds={report.thresholds} />}
    </div>
  );
}

function DriftVerdict({ report }: { report: DriftReportData }) {
  const period = `${formatDateTime(report.from)} – ${formatDateTime(report.to)}`;
  if (!report.enoughData) {
    return (
      <Alert color="gray" variant="light" role="status" p="xs" className="verdict neutral">
        <strong>Not enough data</strong> to measure drift from {period}: each feature needs at least {report.thresholds.minRows} live rows.
      </Alert>
    );
  }
  const scored = report.features.filter((feature) => feature.enoughData).length;
  return (
    <Alert color={report.drifted ? 'red' : 'teal'} variant="light" role="status" p="xs" className={`verdict ${report.drifted ? 'bad' : 'ok'}`}>
      <strong>{report.drifted ? 'Data drift' : 'No data drift'}</strong>: {report.driftedFeatures.length} of {scored} features drifted ({percent(report.share)}; the
      dataset drifts from {percent(report.thresholds.datasetShare)}){report.driftedFeatures.length > 0 && <> — {report.driftedFeatures.join(', ')}</>}.{' '}
      <Text span c="dimmed" inherit>
        {period}
      </Text>
    </Alert>
  );
}

function DistributionChart({ series, thresholds }: { series: Series; thresholds: DriftReportData['thresholds'] }) {
  const { distribution } = series;
  const rows = distribution.labels.map((label, index) => ({
    bin: prettyBinLabel(label),
    Training: distribution.reference[index] ?? 0,
    Live: distribution.current[index] ?? 0,
  }));
  const title = `${series.label}: training vs live shares per ${series.type === 'numeric' ? 'bin' : 'value'}`;
  return (
    <figure className="chart-figure">
      <Group component="figcaption" gap="xs" my="sm">
        <strong>{series.label}</strong>
        {distribution.enoughData ? (
          distribution.drifted ? <StateBadge tone="bad">drifted</StateBadge> : <StateBadge tone="ok">stable</StateBadge>
        ) : (
          <StateBadge tone="off">not enough data</StateBadge>
        )}
      </Group>
      <div className="chart" role="img" aria-label={title}>
        <ResponsiveContainer width="100%" height={280}>
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="rgba(127,127,127,0.25)" />
            <XAxis dataKey="bin" tick={{ fontSize: 11, fill: 'currentColor' }} interval="preserveStartEnd" minTickGap={4} />
            <YAxis tickFormatter={(value: number) => percent(value)} tick={{ fontSize: 11, fill: 'currentColor' }} width={44} />
            <Tooltip formatter={(value) => percent(Number(value))} contentStyle={{ color: '#1c2130' }} />
            <Legend itemSorter={null} />
            <Bar dataKey="Training" fill={REFERENCE_COLOR} isAnimationActive={false} />
            <Bar dataKey="Live" fill={LIVE_COLOR} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details className="chart-data">
        <summary>Shares as a table</summary>
        <Table.ScrollContainer minWidth={0} type="native">
          <Table withTableBorder verticalSpacing={6} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{series.type === 'numeric' ? 'Bin' : 'Value'}</Table.Th>
                <Table.Th scope="col" ta="right">
                  Training
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Live
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.bin}>
                  <Table.Th scope="row">{row.bin}</Table.Th>
                  <Table.Td ta="right">{percent(row.Training)}</Table.Td>
                  <Table.Td ta="right">{percent(row.Live)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </details>
      <dl className="details">
        <div>
          <dt>Live rows</dt>
          <dd>
            {distribution.rows}
            {!distribution.enoughData && <Text span c="dimmed" inherit> (scores from {thresholds.minRows})</Text>}
          </dd>
        </div>
        <div>
          <dt>PSI</dt>
          <dd>{distribution.psi === null || distribution.psi === undefined ? '—' : `${formatNumber(distribution.psi)} (${distribution.psiBand})`}</dd>
        </div>
        <div>
          <dt>Jensen–Shannon</dt>
          <dd>
            {distribution.jensenShannon === null || distribution.jensenShannon === undefined ? '—' : formatNumber(distribution.jensenShannon)}{' '}
            <Text span c="dimmed" inherit>drifts at ≥ {thresholds.jensenShannon}</Text>
          </dd>
        </div>
        {(series.type === 'numeric' || (distribution.wasserstein !== null && distribution.wasserstein !== undefined)) && (
          <div>
            <dt>Wasserstein</dt>
            <dd>
              {distribution.wasserstein === null || distribution.wasserstein === undefined ? '—' : `${formatNumber(distribution.wasserstein)} σ`}{' '}
              <Text span c="dimmed" inherit>drifts at ≥ {thresholds.wasserstein} σ</Text>
            </dd>
          </div>
        )}
      </dl>
    </figure>
  );
}
