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
            {f.missing?.changed ? ' (missing values changed)' : ''}
          </option>
        ))}
      </NativeSelect>
      <ChartCard
        title={`${feature.feature} (${feature.type})`}
        description={
          feature.enoughData
            ? `${formatInteger(feature.rows)} live rows · ${feature.drifted ? 'drifted' : 'no drift'}: ${reasonText(feature.reason)} · PSI ${formatScore(feature.psi)} (${feature.psiBand ?? '—'}, a rule of thumb, not the verdict)`
            : `${formatInteger(feature.rows)} live rows: fewer than ${formatInteger(drift.thresholds.minRows)}, so no scores yet`
        }
        height={chartHeight(feature.labels.length)}
        empty={feature.labels.length === 0 ? 'No bins for this feature.' : undefined}
      >
        <DistributionChart labels={feature.labels} reference={feature.reference} current={feature.current} referenceName="Training" currentName="Live" currentColor={feature.drifted ? DANGER_COLOR : MAIN_COLOR} />
      </ChartCard>
      {feature.labels.length > 0 && <SharesTable feature={feature} />}
      <Table.ScrollContainer minWidth={760} type="native" mt="sm">
        <Table withTableBorder verticalSpacing={6} fz="sm" aria-label="Drift per feature">
          <Table.Caption>Every feature over the range, each with its one verdict and why; choose one to see its distribution.</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Feature</Table.Th>
              <Table.Th scope="col">Live rows</Table.Th>
              <Table.Th scope="col">Drift</Table.Th>
              <Table.Th scope="col">Effect</Table.Th>
              <Table.Th scope="col">p (corrected)</Table.Th>
              <Table.Th scope="col">Missing values</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {features.map((f) => (
              <Table.Tr key={f.feature} data-feature={f.feature} aria-current={f.feature === feature.feature ? 'true' : undefined}>
                <Table.Th scope="row">
                  <Button variant="subtle" size="compact-sm" onClick={() => setPicked(f.feature)} styles={{ label: { whiteSpace: 'normal', textAlign: 'left' } }} h="auto">
                    {f.feature}
                  </Button>
                  <Text size="xs" c="dimmed">
                    {f.type}
                  </Text>
                </Table.Th>
                <Table.Td>{formatInteger(f.rows)}</Table.Td>
                <Table.Td maw={320}>
                  <FeatureVerdict feature={f} />
                  <Text size="xs" mt={2}>
                    {reasonText(f.reason)}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {f.effect && f.effectSize !== null && f.effectSize !== undefined ? (
                    <>
                      {effectName(f.effect)} {formatScore(f.effectSize)}
                      {f.windowThreshold !== null && f.windowThreshold !== undefined && (
                        <Text size="xs" c="dimmed">
                          needs ≥ {formatScore(f.windowThreshold)} here
                        </Text>
                      )}
                    </>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>{formatP(f.adjustedPValue)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {f.missing ? (
                    <>
                      {formatPercent(f.missing.reference)} → {formatPercent(f.missing.current)}
                      {f.missing.changed && (
                        <>
                          {' '}
                          <StateBadge tone="pending">changed</StateBadge>
                        </>
                      )}
                    </>
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

/** The server's reason without its leading verdict word, which the badge beside it already says. */
const reasonText = (reason: string) => reason.replace(/^(drifted|no drift|not enough data):\s*/i, '');

const EFFECT_NAMES: Record<string, string> = { jensenShannon: 'Jensen–Shannon', wasserstein: 'Wasserstein' };
const effectName = (effect: string) => EFFECT_NAMES[effect] ?? effect;

/** A p-value as people read them: tiny ones as "< 0.001". */
function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** One feature's verdict: the same word in the table, the picker and the dataset's verdict. */
function FeatureVerdict({ feature }: { feature: FeatureDrift }) {
  if (!feature.enoughData)
    return (
      <Text span size="sm" c="dimmed">
        not enough data
      </Text>
    );
  return feature.drifted ? <StateBadge tone="bad">drifted</StateBadge> : <StateBadge tone="ok">no drift</StateBadge>;
}

/**
 * The dataset's verdict, made from the features' own verdicts so that the two can never
 * disagree; changes in the share of missing values are said apart, since they are not drift of
 * the values' distribution.
 */
function DriftVerdict({ drift }: { drift: DriftReport }) {
  const t = drift.thresholds;
  const scored = drift.features.filter((feature) => feature.enoughData);
  const drifted = drift.features.filter((feature) => feature.drifted).map((feature) => feature.feature);
  const missingChanged = drift.features.filter((feature) => feature.missing?.changed);
  const missingNote =
    missingChanged.length > 0 ? (
      <Alert color="orange" variant="light" role="status" p="xs" mb="sm" data-testid="missing-verdict">
        <strong>Missing values changed</strong> (not counted as drift):{' '}
        {missingChanged.map((feature, index) => (
          <span key={feature.feature}>
            {index > 0 && '; '}
            {feature.feature} {formatPercent(feature.missing!.reference)} in training, {formatPercent(feature.missing!.current)} live
          </span>
        ))}
        .
      </Alert>
    ) : null;
  if (scored.length === 0) {
    return (
      <>
        <Alert color="gray" variant="light" role="status" p="xs" mb="sm" data-testid="drift-verdict">
          <strong>Not enough data</strong> to measure drift: scores appear once a feature has {formatInteger(t.minRows)} live rows in the range.
        </Alert>
        {missingNote}
      </>
    );
  }
  return (
    <>
      <Alert color={drifted.length > 0 ? 'red' : 'teal'} variant="light" role="status" p="xs" mb="sm" data-testid="drift-verdict">
        <strong>{drifted.length > 0 ? 'Data drift' : 'No data drift'}</strong>:{' '}
        {drifted.length === 0
          ? `none of the ${scored.length} scored features drifted.`
          : `${drifted.length} of ${scored.length} scored features drifted: ${drifted.join(', ')}. Without any drift, about ${formatPercent(drift.expectedShare, 1)} of features would be flagged by chance.`}{' '}
        <Text span size="sm" inherit>
          A feature drifts when its test is significant at {t.significance} after the correction over the features and its effect is at least its floor (Jensen–Shannon {t.jensenShannon},
          Wasserstein {t.wasserstein} standard deviations).
        </Text>
      </Alert>
      {missingNote}
    </>
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
