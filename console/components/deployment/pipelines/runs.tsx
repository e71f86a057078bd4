'use client';

import { useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Anchor, Badge, Button, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { messageOf } from '../../../lib/errors';
import { formatDateTime, formatDuration, formatInteger } from '../../../lib/format';
import { CancelRunMutation, RunsQuery, RunUpdatedSubscription, type PipelineData as Pipeline, type PipelineRunData as Run } from '../../../lib/operations/pipelines';
import { Loading } from '../../app-shell';
import { ErrorMessage, InlineError } from '../../error-message';




const STATUS_RANK: Record<Run['status'], number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

/** Of two snapshots of one run, the one further along (a retry sends a run back to queued with the next attempt). */
function newer(a: Run, b: Run): Run {
  if (a.attempt !== b.attempt) return a.attempt > b.attempt ? a : b;
  if (STATUS_RANK[a.status] !== STATUS_RANK[b.status]) return STATUS_RANK[a.status] > STATUS_RANK[b.status] ? a : b;
  if (a.rowsRead !== b.rowsRead) return a.rowsRead > b.rowsRead ? a : b;
  if (a.files.length !== b.files.length) return a.files.length > b.files.length ? a : b;
  return b;
}

const PAGE = 10;

export function PipelineRuns({ pipeline, canWrite }: { pipeline: Pipeline; canWrite: boolean }) {
  const [limit, setLimit] = useState(PAGE);
  const context = useMemo(() => ({ additionalTypenames: ['PipelineRun'] }), []);
  const [{ data, error, fetching }, refetch] = useQuery({ query: RunsQuery, variables: { pipelineId: pipeline.id, limit }, context });
  // Every update of a run, kept by id: merged over the listed runs, and new runs go on top.
  const [{ data: updates, error: liveError }] = useSubscription(
    { query: RunUpdatedSubscription, variables: { pipelineId: pipeline.id }, pause: !data },
    (previous: Record<string, Run> | undefined, event) => ({ ...previous, [event.pipelineRunUpdated.id]: event.pipelineRunUpdated }),
  );

  const runs = useMemo(() => {
    const listed = data?.pipelineRuns ?? [];
    const merged = listed.map((run) => (updates?.[run.id] ? newer(run, updates[run.id]!) : run));
    const known = new Set(listed.map((run) => run.id));
    const fresh = Object.values(updates ?? {}).filter((run) => !known.has(run.id) && (listed.length < limit || run.createdAt >= (listed.at(-1)?.createdAt ?? '')));
    return [...fresh, ...merged].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }, [data, updates, limit]);

  if (error && !data) return <ErrorMessage message={`Cannot load the runs: ${messageOf(error)}`} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;

  return (
    <section aria-label={`Runs of ${pipeline.name}`} style={{ marginTop: 'var(--mantine-spacing-md)' }}>
      <Group gap="xs" mb={6}>
        <Title order={5} size="h6">
          Runs
        </Title>
        {liveError && (
          <Text span size="xs" c="dimmed">
            Live updates unavailable ({messageOf(liveError)}); reload to refresh.
          </Text>
        )}
      </Group>
      {!data ? (
        <Loading what="runs" />
      ) : runs.length === 0 ? (
        <Text size="sm" c="dimmed">
          No runs yet.{pipeline.scheduleCron && pipeline.enabled && pipeline.nextRunTimes[0] ? ` The first is due ${formatDateTime(pipeline.nextRunTimes[0])}.` : ''}
        </Text>
      ) : (
        <>
          <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: 'none' }}>
            {runs.map((run) => (
              <RunItem key={run.id} run={run} canWrite={canWrite} />
            ))}
          </Stack>
          {data.pipelineRuns.length >= limit && (
            <Button variant="default" size="xs" mt="xs" onClick={() => setLimit((l) => l + PAGE)} disabled={fetching}>
              {fetching ? 'Loading…' : 'Show older runs'}
            </Button>
          )}
        </>
      )}
    </section>
  );
}

const FILE_LABELS: Record<string, string> = { main: 'Main predictions', challenger: 'Challenger predictions', errors: 'Invalid rows' };
const STATUS_COLORS: Record<Run['status'], string> = { queued: 'gray', running: 'blue', succeeded: 'teal', failed: 'red', cancelled: 'yellow' };

function RunItem({ run, canWrite }: { run: Run; canWrite: boolean }) {
  const [{ fetching: cancelling }, cancel] = useMutation(CancelRunMutation);
  const [error, setError] = useState<string | null>(null);
  const active = run.status === 'queued' || run.status === 'running';
  const progressLabel = run.progress !== null ? `${Math.round(run.progress * 100)}%` : active ? 'in progress' : '';

  async function stop() {
    setError(null);
    const result = await cancel({ runId: run.id });
    if (result.error) setError(messageOf(result.error));
  }

  const ended = run.finishedAt && run.startedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : null;
  return (
    <Paper component="li" withBorder px="sm" py="xs" data-run-status={run.status} style={{ borderLeft: `4px solid var(--mantine-color-${STATUS_COLORS[run.status]}-6)` }}>
      <Group gap="xs" wrap="wrap">
        <Badge className={`predictions-status predictions-status-${run.status}`} color={STATUS_COLORS[run.status]} variant="light" size="sm" style={{ textTransform: 'none' }}>
          {run.status}
        </Badge>
        <Text span size="sm">
          {run.trigger === 'schedule' ? 'Scheduled' : 'Manual'} · {formatDateTime(run.createdAt)}
          {run.deploymentVersion !== null && <> · deployment version {run.deploymentVersion}</>}
          {run.attempt > 1 && <> · attempt {run.attempt}</>}
          {ended && <> · took {ended}</>}
        </Text>
        {canWrite && active && (
          <Button variant="default" size="compact-xs" color="red" onClick={stop} disabled={cancelling}>
            {cancelling ? 'Cancelling…' : 'Cancel run'}
          </Button>
        )}
      </Group>
      {(active || run.progress !== null) && (
        <Group gap="xs" mt={6} wrap="nowrap">
          <Progress.Root size="md" style={{ flex: 1 }}>
            <Progress.Section
              value={run.progress !== null ? run.progress * 100 : 100}
              animated={active}
              striped={active && run.progress === null}
              color={STATUS_COLORS[run.status]}
              aria-label={`Progress of the run started ${formatDateTime(run.createdAt)}`}
              aria-valuetext={progressLabel || undefined}
            />
          </Progress.Root>
          <Text span size="xs" c="dimmed">
            {progressLabel}
          </Text>
        </Group>
      )}
      <Text size="sm" mt={4}>
        Read {formatInteger(run.rowsRead)}
        {run.rowsTotal !== null && ` of ${formatInteger(run.rowsTotal)}`} · predicted {formatInteger(run.rowsPredicted)} ·{' '}
        <Text span c={run.rowsFailed > 0 ? 'orange.7' : undefined} inherit>
          failed {formatInteger(run.rowsFailed)}
        </Text>
      </Text>
      {run.error && (
        <Text size="sm" c="red">
          {run.error}
        </Text>
      )}
      <InlineError>{error}</InlineError>
      {run.files.length > 0 && (
        <Group gap="xs" mt={4} wrap="wrap">
          <Text span size="sm" c="dimmed">
            Download:
          </Text>
          {run.files.map((kind) => (
            <Anchor key={kind} size="sm" href={`/api/v1/pipeline-runs/${encodeURIComponent(run.id)}/files/${encodeURIComponent(kind)}`} download>
              {FILE_LABELS[kind] ?? kind} (CSV)
            </Anchor>
          ))}
        </Group>
      )}
    </Paper>
  );
}
