'use client';

import { Box, Group, Paper, Text, Title } from '@mantine/core';
import { useSubscription, type CombinedError } from 'urql';
import { useSocketState } from '../../../lib/client';
import { messageOf } from '../../../lib/errors';
import { formatClock, formatMs, formatRate } from '../../../lib/format';
import { LiveMetricsSubscription, type LiveMetricsData } from '../../../lib/operations/monitoring';
import { useIsBrowser } from '../../../lib/use-is-browser';
import { Figure } from '../../ui/figure';

/** The live figures of a deployment, or why they are not there. */
export function useLiveMetrics(deploymentId: string): { live: LiveMetricsData | null; error: CombinedError | undefined; browser: boolean } {
  const browser = useIsBrowser();
  const [{ data, error }] = useSubscription({ query: LiveMetricsSubscription, variables: { deploymentId }, pause: !browser });
  return { live: data?.deploymentMetrics ?? null, error, browser };
}

/**
 * The head of a live block: a dot that is lit while figures arrive, and what the connection is
 * doing: the socket's own state (graphql-ws), so an open socket waiting for its first figures
 * does not say "connecting…".
 */
export function LiveHead({ live, error, browser, liveText }: { live: boolean; error: boolean; browser: boolean; liveText: string }) {
  const socket = useSocketState();
  const lit = live && !error && socket === 'connected';
  const text = error
    ? ''
    : socket === 'closed'
      ? 'disconnected · reconnecting…'
      : live
        ? liveText
        : socket === 'connected'
          ? 'connected · waiting for the first figures…'
          : browser
            ? 'connecting…'
            : '';
  return (
    <Group gap="xs" mb="xs" wrap="wrap">
      <Group gap={6} wrap="nowrap">
        <Box
          aria-hidden="true"
          w={10}
          h={10}
          style={{ borderRadius: '50%', background: lit ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-5)', boxShadow: lit ? '0 0 0 3px var(--mantine-color-teal-light)' : undefined }}
        />
        <Title order={3} size="h5">
          Live
        </Title>
      </Group>
      <Text span size="sm" c="dimmed" data-testid="live-state" data-socket={socket}>
        {text}
      </Text>
    </Group>
  );
}

export function LiveFigures({ deploymentId }: { deploymentId: string }) {
  const { live, error, browser } = useLiveMetrics(deploymentId);
  return (
    <Paper component="section" withBorder p="sm" aria-label="Live figures">
      <LiveHead live={live !== null} error={Boolean(error)} browser={browser} liveText={live ? `over the last 10 seconds · ${formatClock(live.at)}` : ''} />
      {error && !live ? (
        <Text size="sm" c="red" role="status">
          Live figures are unavailable: {messageOf(error)}
        </Text>
      ) : (
        <dl className="monitoring-figures" aria-live="off">
          <Figure label="Requests/s" value={live ? formatRate(live.requestsPerSecond) : '—'} hint={live ? `${formatRate(live.rowsPerSecond)} rows/s` : undefined} />
          <Figure label="Errors/s" value={live ? formatRate(live.errorsPerSecond) : '—'} tone={live && live.errorsPerSecond > 0 ? 'danger' : undefined} />
          <Figure label="Latency p50" value={live ? formatMs(live.p50Ms) : '—'} />
          <Figure label="Latency p95" value={live ? formatMs(live.p95Ms) : '—'} />
        </dl>
      )}
    </Paper>
  );
}
