import { Badge, Group, Text, VisuallyHidden } from '@mantine/core';
import type { DeploymentStatusData } from '../lib/operations/deployment';

type ServingStatus = NonNullable<DeploymentStatusData['main']>;

/**
 * The two statuses of a deployment as two badges; a reason for "not running" is in the title.
 * The `status ok|off|bad` classes name the state for tests and stylesheets alike.
 */
export function StatusBadges({ status }: { status: DeploymentStatusData }) {
  const runningTitle = status.running ? 'The prediction API answers' : `Not running: ${status.runningReason ?? 'no reason given'}`;
  return (
    <Group gap={6} wrap="wrap" component="span">
      <Badge
        className={`status ${status.deployed ? 'ok' : 'off'}`}
        color={status.deployed ? 'teal' : 'gray'}
        variant={status.deployed ? 'filled' : 'outline'}
        title={status.deployed ? 'Its models are loaded and serving' : 'Its models are not all loaded yet'}
      >
        {status.deployed ? 'Deployed' : 'Not deployed'}
      </Badge>
      <Badge className={`status ${status.running ? 'ok' : 'bad'}`} color={status.running ? 'teal' : 'red'} variant={status.running ? 'filled' : 'light'} title={runningTitle}>
        {status.running ? 'Running' : 'Not running'}
        {!status.running && <VisuallyHidden>: {status.runningReason ?? 'no reason given'}</VisuallyHidden>}
      </Badge>
    </Group>
  );
}

const STATE_COLOR: Record<string, string> = { ready: 'teal', loading: 'yellow', failed: 'red' };
const STATE_CLASS: Record<string, string> = { ready: 'ok', loading: 'pending', failed: 'bad' };

/** A small state badge (ready, loading, failed, active, revoked…) with its `state <tone>` class. */
export function StateBadge({ tone, children, title }: { tone: 'ok' | 'bad' | 'off' | 'pending'; children: React.ReactNode; title?: string }) {
  const color = tone === 'ok' ? 'teal' : tone === 'bad' ? 'red' : tone === 'pending' ? 'yellow' : 'gray';
  return (
    // Never cut to "d…": a badge keeps its word whole, however narrow its cell.
    <Badge className={`state ${tone}`} color={color} variant="light" size="sm" title={title} style={{ textTransform: 'none', flexShrink: 0, overflow: 'visible' }} styles={{ label: { overflow: 'visible' } }}>
      {children}
    </Badge>
  );
}

/**
 * One model being served: "v2 · mlp-64" (its experiment version, when known, since model names
 * repeat across versions) and where loading it stands (ready, loading, failed + why).
 */
export function ModelServing({ model, empty = '—', experimentVersion }: { model: ServingStatus | null; empty?: string; experimentVersion?: (modelId: string) => number | undefined }) {
  if (!model) return <Text span c="dimmed">{empty}</Text>;
  return (
    <Group component="span" gap={6} wrap="wrap" title={model.reason ? `${model.state}: ${model.reason}` : undefined}>
      <Text span fw={500} className="model-name">
        {(() => {
          const number = experimentVersion?.(model.modelId);
          return number === undefined ? model.name : `v${number} · ${model.name}`;
        })()}
      </Text>
      <Badge className={`state ${STATE_CLASS[model.state] ?? 'off'}`} color={STATE_COLOR[model.state] ?? 'gray'} variant="light" size="sm" style={{ textTransform: 'none' }}>
        {model.state}
      </Badge>
      {model.reason && <VisuallyHidden>: {model.reason}</VisuallyHidden>}
    </Group>
  );
}
