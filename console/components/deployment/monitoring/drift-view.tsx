'use client';

import { Alert, Button, NativeSelect, Table, Text } from '@mantine/core';
import { useId, useState } from 'react';
import { formatInteger, formatPercent, formatScore, prettyBinLabel } from '../../../lib/format';
import type { DriftReportData as DriftReport } from '../../../lib/operations/monitoring';
import { ChartCard } from '../../charts/chart-card';
import { DANGER_COLOR, MAIN_COLOR } from '../../charts/colors';
import { chartHeight, DistributionChart } from '../../charts/distribution-chart';
import { StateBadge } from '../../status-badges';

type FeatureDrift = DriftReport['features'][number];

/**
 * The console's one drift view (Monitoring tab): the dataset's verdict, then one feature's
 * training and live shares per bin, then every feature's scores. The range is the Monitoring
 * tab's, so the verdict, the charts and the table always speak of the same period.
 */
export function DriftView({ drift }: { drift: DriftReport }) {
  const selectId = useId();
  const [picked, setPicked] = useState<string | null>(null);
  const features = drift.features;
  if (features.length === 0) {
    return <Text c="dimmed">The main model's version has no training profile, so there is nothing to compare the live inputs with.</Text>;
  }
  const feature: FeatureDrift = features.find((f) => f.feature === picked) ?? features.find((f) => f.drifted) ?? features[0]!;

  return (
    <>
      <DriftVerdict drift={drift} />
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
      {feature.labels.length > 0 && <SharesTable feature={feature} />}
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

/** The dataset's verdict, with the features that make it. */
function DriftVerdict({ drift }: { drift: DriftReport }) {
  const t = drift.thresholds;
  if (!drift.enoughData) {
    return (
      <Alert color="gray" variant="light" role="status" p="xs" mb="sm" data-testid="drift-verdict">
        <strong>Not enough data</strong> to measure drift: scores appear once a feature has {formatInteger(t.minRows)} live rows in the range.
      </Alert>
    );
  }
  const scored = drift.features.filter((feature) => feature.enoughData).length;
  return (
    <Alert color={drift.drifted ? 'red' : 'teal'} variant="light" role="status" p="xs" mb="sm" data-testid="drift-verdict">
      <strong>{drift.drifted ? 'Data drift' : 'No data drift'}</strong>:{' '}
      {drift.driftedFeatures.length === 0
        ? `no feature of ${scored} drifted.`
        : `${drift.driftedFeatures.length} of ${scored} features drifted (${formatPercent(drift.share)}; the dataset drifts from ${formatPercent(t.datasetShare)}): ${drift.driftedFeatures.join(', ')}.`}{' '}
      <Text span size="sm" c="dimmed" inherit>
        A feature drifts at Jensen–Shannon ≥ {t.jensenShannon} or Wasserstein ≥ {t.wasserstein} (standard deviations).
      </Text>
    </Alert>
  );
}

/** The chart's numbers, for those who cannot or would rather not read bars. */
function SharesTable({ feature }: { feature: FeatureDrift }) {
  const numeric = feature.type === 'numeric';
  return (
    <details className="chart-data">
      <summary>Shares as a table</summary>
      <Table.ScrollContainer minWidth={0} type="native">
        <Table withTableBorder verticalSpacing={6} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{numeric ? 'Bin' : 'Value'}</Table.Th>
              <Table.Th scope="col" ta="right">
                Training
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Live
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {feature.labels.map((label, index) => (
              <Table.Tr key={label}>
                <Table.Th scope="row">{prettyBinLabel(label)}</Table.Th>
                <Table.Td ta="right">{formatPercent(feature.reference[index] ?? 0)}</Table.Td>
                <Table.Td ta="right">{formatPercent(feature.current[index] ?? 0)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </details>
  );
}
