'use client';

import { Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useMemo, useState, type ReactNode } from 'react';
import { useQuery, type CombinedError } from 'urql';
import { messageOf } from '../../../lib/errors';
import { formatDateTime } from '../../../lib/format';
import { DeploymentDriftQuery, DeploymentModelsQuery, MonitoringQuery } from '../../../lib/operations/monitoring';
import { useInterval } from '../../../lib/use-interval';
import { useIsBrowser } from '../../../lib/use-is-browser';
import { ErrorMessage } from '../../error-message';
import { DriftOverTime } from './drift-over-time';
import { DriftView } from './drift-view';
import { LiveFigures } from './live-figures';
import { Performance } from './performance';
import { PredictionComparison } from './prediction-comparison';
import { DAY_MS, floorHour, RangePicker, RANGES, type CustomRange, type RangeKey } from './range-picker';
import { TrafficCharts } from './traffic-charts';

const REFRESH_MS = 10_000;

export function MonitoringSection({ deploymentId }: { deploymentId: string }) {
  const browser = useIsBrowser();
  // The range chosen in the picker, and the one the charts show: choosing "Custom" keeps the
  // current charts (and their label) until a custom range is applied with "Show".
  const [pickedKey, setPickedKey] = useState<RangeKey>('24h');
  const [rangeKey, setRangeKey] = useState<RangeKey>('24h');
  const [custom, setCustom] = useState<CustomRange | null>(null);
  const pick = (key: RangeKey) => {
    setPickedKey(key);
    if (key !== 'custom') setRangeKey(key);
  };
  const applyCustom = (range: CustomRange) => {
    setCustom(range);
    setRangeKey('custom');
  };
  const [now, setNow] = useState(() => Date.now());

  // The server counts whole hours, so a relative range starts on an hour: the variables stay the
  // same between refreshes and the charts update in place instead of reloading.
  const variables = useMemo(() => {
    const range = RANGES.find((r) => r.key === rangeKey);
    if (rangeKey === 'custom' && custom) {
      const span = Date.parse(custom.to) - Date.parse(custom.from);
      return { deploymentId, from: custom.from, to: custom.to, granularity: span <= 2 * DAY_MS ? ('hour' as const) : ('day' as const) };
    }
    if (range?.ms) {
      return { deploymentId, from: new Date(floorHour(now - range.ms)).toISOString(), to: null, granularity: range.ms <= DAY_MS ? ('hour' as const) : ('day' as const) };
    }
    return { deploymentId, from: null, to: null, granularity: 'day' as const };
  }, [deploymentId, rangeKey, custom, now]);

  const { from, to } = variables;
  const paused = !browser;
  const [monitoringResult, refetchMonitoring] = useQuery({ query: MonitoringQuery, variables, pause: paused });
  const [driftResult, refetchDrift] = useQuery({ query: DeploymentDriftQuery, variables: { deploymentId, from, to }, pause: paused });
  const [contextResult] = useQuery({ query: DeploymentModelsQuery, variables: { id: deploymentId }, pause: !browser });

  // A fixed custom range that ended in the past has nothing new to show.
  const live = rangeKey !== 'custom' || (custom !== null && Date.parse(custom.to) > now);
  useInterval(() => {
    setNow(Date.now());
    if (!live || paused) return;
    refetchMonitoring({ requestPolicy: 'network-only' });
    refetchDrift({ requestPolicy: 'network-only' });
  }, REFRESH_MS);

  const monitoring = monitoringResult.data?.deploymentMonitoring;
  const drift = driftResult.data?.deploymentDrift;
  const deployment = contextResult.data?.deployment;
  const modelNames = useMemo(() => {
    const names = new Map<string, string>();
    for (const version of deployment?.versions ?? []) {
      names.set(version.mainModel.id, version.mainModel.name);
      if (version.challengerModel) names.set(version.challengerModel.id, version.challengerModel.name);
    }
    return names;
  }, [deployment]);
  const shownRange = monitoring ?? drift;

  return (
    <Stack gap="md">
      <LiveFigures deploymentId={deploymentId} />

      <Group justify="space-between" align="flex-end" gap="sm">
        <RangePicker value={pickedKey} onChange={pick} custom={custom} onCustom={applyCustom} />
        <Text size="sm" c="dimmed" data-testid="monitoring-range">
          {shownRange ? (
            <>
              {formatDateTime(shownRange.from)} – {formatDateTime(shownRange.to)}
              {monitoringResult.fetching || driftResult.fetching ? ' · updating…' : live ? ' · refreshes every 10 s' : ''}
              {pickedKey === 'custom' && rangeKey !== 'custom' ? ' · choose a start and an end, then Show' : ''}
            </>
          ) : null}
        </Text>
      </Group>

      {!paused && (
        <>
          <Block title="Traffic and latency" result={monitoringResult} onRetry={() => refetchMonitoring({ requestPolicy: 'network-only' })} loading="Loading traffic…">
            {monitoring && <TrafficCharts monitoring={monitoring} />}
          </Block>

          <Block title="Data sent per feature" result={driftResult} onRetry={() => refetchDrift({ requestPolicy: 'network-only' })} loading="Loading input distributions…">
            {drift && <DriftView drift={drift} />}
          </Block>

          <Block title="Predictions: main and challenger" result={driftResult} onRetry={() => refetchDrift({ requestPolicy: 'network-only' })} loading="Loading predictions…">
            {drift && monitoring && <PredictionComparison drift={drift} comparison={monitoring.comparison} modelNames={modelNames} />}
            {drift && !monitoring && !monitoringResult.error && <Text c="dimmed">Loading the comparison…</Text>}
            {drift && !monitoring && monitoringResult.error && <PredictionComparison drift={drift} comparison={null} modelNames={modelNames} />}
          </Block>

          <Block title="Input drift over time" result={monitoringResult} onRetry={() => refetchMonitoring({ requestPolicy: 'network-only' })} loading="Loading drift over time…">
            {monitoring && (
              <DriftOverTime
                monitoring={monitoring}
                threshold={drift?.thresholds.jensenShannon ?? null}
                minRows={drift?.thresholds.minRows ?? null}
                granularity={variables.granularity}
              />
            )}
          </Block>

          <Block title="Performance on ground truth" result={monitoringResult} onRetry={() => refetchMonitoring({ requestPolicy: 'network-only' })} loading="Loading performance…">
            {monitoring && <Performance monitoring={monitoring} slug={deployment?.slug ?? null} granularity={variables.granularity} />}
          </Block>
        </>
      )}
    </Stack>
  );
}

/** A sub-section with its heading and the loading and error states of the query it shows. */
function Block({
  title,
  result,
  onRetry,
  loading,
  children,
}: {
  title: string;
  result: { data?: unknown; error?: CombinedError; fetching: boolean };
  onRetry: () => void;
  loading: string;
  children: ReactNode;
}) {
  return (
    <section aria-label={title}>
      <Title order={3} size="h4" mb="sm">
        {title}
      </Title>
      {result.error && !result.data ? (
        <ErrorMessage message={messageOf(result.error)} onRetry={onRetry} />
      ) : !result.data ? (
        <Stack gap="xs" aria-busy="true" role="status">
          <Text c="dimmed" size="sm">
            {loading}
          </Text>
          <Skeleton h={160} />
        </Stack>
      ) : (
        <>
          {result.error && (
            <Text size="sm" c="red" role="status">
              The last refresh failed: {messageOf(result.error)}
            </Text>
          )}
          {children}
        </>
      )}
    </section>
  );
}
