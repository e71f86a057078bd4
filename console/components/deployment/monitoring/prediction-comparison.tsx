'use client';

import { SimpleGrid, Text } from '@mantine/core';
import { formatDecimal, formatInteger, formatMs, formatPercent, formatScore } from '../../../lib/format';
import type { DriftReportData as DriftReport } from '../../../lib/operations/monitoring';
import type { MonitoringData as Monitoring } from '../../../lib/operations/monitoring';
import { ChartCard } from '../../charts/chart-card';
import { CHALLENGER_COLOR, MAIN_COLOR } from '../../charts/colors';
import { chartHeight, DistributionChart } from '../../charts/distribution-chart';
import { Figure } from '../../ui/figure';

type PredictionDrift = DriftReport['predictions'][number];

export function PredictionComparison({ drift, comparison, modelNames }: { drift: DriftReport; comparison: Monitoring['comparison'] | null; modelNames: ReadonlyMap<string, string> }) {
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
