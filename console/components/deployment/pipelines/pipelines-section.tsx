'use client';

import cronstrue from 'cronstrue';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { messageOf } from '../../../lib/errors';
import { graphql, type ResultOf } from '../../../lib/graphql';
import { useIsBrowser } from '../../../lib/use-is-browser';
import { Anchor, Badge, Button, Checkbox, Code, Collapse, Group, List, NativeSelect, NumberInput, Paper, Progress, Radio, SimpleGrid, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import { Loading } from '../../app-shell';
import { ConfirmDialog } from '../../confirm-dialog';
import { EmptyState } from '../../empty-state';
import { ErrorMessage, InlineError } from '../../error-message';
import { formatDateTime, formatDuration, formatInteger, formatInZone } from '../../../lib/format';
import { useInterval } from '../../../lib/use-interval';

const PipelinesQuery = graphql(`
  query DeploymentPipelines($deploymentId: ID!) {
    deployment(id: $deploymentId) {
      id
      projectId
      slug
    }
    pipelines(deploymentId: $deploymentId) {
      id
      name
      sourceKind
      sourceDatasetId
      sourceConnectorId
      sourceSql
      destinationConnectorId
      destinationTable
      scheduleCron
      scheduleTimezone
      enabled
      retryAttempts
      retryBackoffMs
      maxErrorRatio
      createdAt
      scheduleDescription
      nextRunTimes(count: 5)
    }
  }
`);

const SourcesQuery = graphql(`
  query PipelineSources($projectId: ID!) {
    project(id: $projectId) {
      id
      myRole
    }
    datasets(projectId: $projectId) {
      id
      fileName
      rows
      createdAt
    }
    connectors(projectId: $projectId) {
      id
      name
      host
      database
    }
  }
`);

/** What a run shows, the same in the list and in its live updates. */
const RunFields = graphql(`
  fragment RunFields on PipelineRun @_unmask {
    id
    pipelineId
    status
    trigger
    deploymentVersion
    attempt
    rowsRead
    rowsPredicted
    rowsFailed
    rowsTotal
    progress
    error
    startedAt
    finishedAt
    createdAt
    files
  }
`);

const RunsQuery = graphql(
  `
    query PipelineRuns($pipelineId: ID!, $limit: Int!) {
      pipelineRuns(pipelineId: $pipelineId, limit: $limit) {
        ...RunFields
      }
    }
  `,
  [RunFields],
);

const RunUpdatedSubscription = graphql(
  `
    subscription PipelineRunUpdated($pipelineId: ID!) {
      pipelineRunUpdated(pipelineId: $pipelineId) {
        ...RunFields
      }
    }
  `,
  [RunFields],
);

const CreatePipelineMutation = graphql(`
  mutation CreatePipeline($input: CreatePipelineInput!) {
    createPipeline(input: $input) {
      id
      name
    }
  }
`);

const UpdateScheduleMutation = graphql(`
  mutation UpdatePipelineSchedule($id: ID!, $cron: String, $timezone: String) {
    updatePipelineSchedule(id: $id, cron: $cron, timezone: $timezone) {
      id
      scheduleCron
      scheduleTimezone
      enabled
      scheduleDescription
      nextRunTimes(count: 5)
    }
  }
`);

const SetEnabledMutation = graphql(`
  mutation SetPipelineEnabled($id: ID!, $enabled: Boolean!) {
    setPipelineEnabled(id: $id, enabled: $enabled) {
      id
      enabled
      nextRunTimes(count: 5)
    }
  }
`);

const DeletePipelineMutation = graphql(`
  mutation DeletePipeline($id: ID!) {
    deletePipeline(id: $id)
  }
`);

const RunNowMutation = graphql(`
  mutation RunPipelineNow($id: ID!) {
    runPipelineNow(id: $id) {
      id
      pipelineId
      status
    }
  }
`);

const CancelRunMutation = graphql(`
  mutation CancelPipelineRun($runId: ID!) {
    cancelPipelineRun(runId: $runId) {
      id
      status
      error
    }
  }
`);

type Pipeline = ResultOf<typeof PipelinesQuery>['pipelines'][number];
type Sources = ResultOf<typeof SourcesQuery>;
type Run = ResultOf<typeof RunsQuery>['pipelineRuns'][number];

/** The cron in words while typing; the server has the last word. */
function describeCron(cron: string): { text: string; ok: boolean } {
  const trimmed = cron.trim();
  if (!trimmed) return { text: '', ok: false };
  if (trimmed.split(/\s+/).length !== 5) return { text: 'A cron has 5 fields: minute hour day-of-month month day-of-week', ok: false };
  try {
    return { text: cronstrue.toString(trimmed, { use24HourTimeFormat: true, throwExceptionOnParseError: true }), ok: true };
  } catch (error) {
    return { text: String(error instanceof Error ? error.message : error), ok: false };
  }
}

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function timeZones(): string[] {
  try {
    const zones = Intl.supportedValuesOf('timeZone');
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return ['UTC'];
  }
}

const CRON_PRESETS = [
  { cron: '0 * * * *', label: 'Hourly' },
  { cron: '0 6 * * *', label: 'Daily at 06:00' },
  { cron: '0 6 * * 1', label: 'Mondays at 06:00' },
  { cron: '0 0 1 * *', label: 'Monthly' },
];

// ---------------------------------------------------------------------------------------------

export function PredictionsSection({ deploymentId }: { deploymentId: string }) {
  const browser = useIsBrowser();
  const context = useMemo(() => ({ additionalTypenames: ['Pipeline'] }), []);
  const [{ data, error }, refetch] = useQuery({ query: PipelinesQuery, variables: { deploymentId }, pause: !browser, context });
  const projectId = data?.deployment.projectId;
  const [sourcesResult, refetchSources] = useQuery({ query: SourcesQuery, variables: { projectId: projectId ?? '' }, pause: !projectId });
  const [creating, setCreating] = useState(false);
  // The next run times move on as time passes.
  useInterval(() => {
    if (data) refetch({ requestPolicy: 'network-only' });
  }, 60_000);

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading what="pipelines" />;

  const sources = sourcesResult.data;
  const canWrite = sources ? sources.project.myRole !== 'viewer' && sources.project.myRole !== null : false;
  const pipelines = data.pipelines;

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        A pipeline runs this deployment&apos;s models on a whole dataset, on a schedule or on demand, and writes one result file per model (and optionally a table on a
        connector).
      </Text>
      {sourcesResult.error && (
        <Text size="sm" c="red" role="status">
          Cannot load the project&apos;s datasets and connectors: {messageOf(sourcesResult.error)}
        </Text>
      )}
      {pipelines.length === 0 ? (
        <EmptyState title="No pipelines yet">{canWrite ? 'Create one below to predict a dataset or the result of a SQL query.' : 'The contributors of the project can create one.'}</EmptyState>
      ) : (
        <Stack component="ul" gap="md" aria-label="Pipelines" p={0} m={0} style={{ listStyle: 'none' }}>
          {pipelines.map((pipeline) => (
            <PipelineCard key={pipeline.id} pipeline={pipeline} sources={sources} canWrite={canWrite} />
          ))}
        </Stack>
      )}
      {canWrite &&
        sources &&
        (creating ? (
          <CreatePipelineForm
            deploymentId={deploymentId}
            sources={sources}
            onDone={() => {
              setCreating(false);
              refetch({ requestPolicy: 'network-only' });
            }}
            onCancel={() => setCreating(false)}
            onRefreshSources={() => refetchSources({ requestPolicy: 'network-only' })}
          />
        ) : (
          <Group>
            <Button onClick={() => setCreating(true)}>New pipeline</Button>
          </Group>
        ))}
    </Stack>
  );
}

// ---------------------------------------------------------------------------------------------
// One pipeline
// ---------------------------------------------------------------------------------------------

function PipelineCard({ pipeline, sources, canWrite }: { pipeline: Pipeline; sources: Sources | undefined; canWrite: boolean }) {
  const headingId = useId();
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [{ fetching: toggling }, setEnabled] = useMutation(SetEnabledMutation);
  const [{ fetching: starting }, runNow] = useMutation(RunNowMutation);
  const [{ fetching: deleting }, deletePipeline] = useMutation(DeletePipelineMutation);

  const dataset = sources?.datasets.find((d) => d.id === pipeline.sourceDatasetId);
  const connectorName = (id: string | null) => (id ? (sources?.connectors.find((c) => c.id === id)?.name ?? 'a connector') : null);

  async function toggle() {
    setActionError(null);
    const result = await setEnabled({ id: pipeline.id, enabled: !pipeline.enabled });
    if (result.error) setActionError(messageOf(result.error));
  }

  async function start() {
    setActionError(null);
    const result = await runNow({ id: pipeline.id });
    if (result.error) setActionError(messageOf(result.error));
  }

  async function remove() {
    setDeleteError(null);
    const result = await deletePipeline({ id: pipeline.id }, { additionalTypenames: ['Pipeline'] });
    if (result.error) setDeleteError(messageOf(result.error));
    else setConfirmDelete(false);
  }

  const scheduled = pipeline.scheduleCron !== null;
  return (
    <Paper component="li" withBorder p={{ base: 'sm', sm: 'md' }} aria-labelledby={headingId}>
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Group gap="xs" wrap="wrap">
          <Title order={4} size="h5" id={headingId}>
            {pipeline.name}
          </Title>
          {!scheduled ? (
            <Badge variant="light" color="gray" style={{ textTransform: 'none' }}>
              manual
            </Badge>
          ) : pipeline.enabled ? (
            <Badge variant="light" color="teal" style={{ textTransform: 'none' }}>
              scheduled
            </Badge>
          ) : (
            <Badge variant="light" color="yellow" style={{ textTransform: 'none' }}>
              paused
            </Badge>
          )}
        </Group>
        {canWrite && scheduled && (
          <Switch checked={pipeline.enabled} disabled={toggling} onChange={toggle} aria-label={`Run ${pipeline.name} on its schedule`} label={pipeline.enabled ? 'Enabled' : 'Paused'} />
        )}
      </Group>

      <dl className="details" style={{ marginTop: 'var(--mantine-spacing-sm)' }}>
        <div>
          <dt>Source</dt>
          <dd>
            {pipeline.sourceKind === 'dataset' ? (
              <>
                Dataset {dataset ? <strong>{dataset.fileName}</strong> : <Text span c="dimmed" inherit>(removed or loading)</Text>}
                {dataset && <Text span c="dimmed" inherit> · {formatInteger(dataset.rows)} rows</Text>}
              </>
            ) : (
              <>
                SQL on <strong>{connectorName(pipeline.sourceConnectorId)}</strong>
                {pipeline.sourceSql && (
                  <Code block mt={4} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                    {pipeline.sourceSql}
                  </Code>
                )}
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Destination</dt>
          <dd>
            {pipeline.destinationConnectorId ? (
              <>
                Table <Code>{pipeline.destinationTable}</Code> on <strong>{connectorName(pipeline.destinationConnectorId)}</strong>, plus the result files
              </>
            ) : (
              'Result files only'
            )}
          </dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>
            {scheduled ? (
              <>
                <code>{pipeline.scheduleCron}</code> · {pipeline.scheduleDescription ?? pipeline.scheduleTimezone}
              </>
            ) : (
              'Manual runs only'
            )}
          </dd>
        </div>
        {scheduled && (
          <div>
            <dt>Next runs</dt>
            <dd>
              {pipeline.nextRunTimes.length === 0 ? (
                <Text span c="dimmed" inherit>
                  {pipeline.enabled ? 'none' : 'none while paused'}
                </Text>
              ) : (
                <List className="predictions-next" size="sm" spacing={0} listStyleType="none" styles={{ root: { paddingLeft: 0 } }}>
                  {pipeline.nextRunTimes.map((time) => (
                    <List.Item key={time}>
                      <time dateTime={time}>{formatInZone(time, pipeline.scheduleTimezone)}</time>
                    </List.Item>
                  ))}
                  <List.Item c="dimmed">({pipeline.scheduleTimezone})</List.Item>
                </List>
              )}
            </dd>
          </div>
        )}
        <div>
          <dt>Failures</dt>
          <dd>
            {pipeline.retryAttempts === 0 ? 'no retries' : `${pipeline.retryAttempts} ${pipeline.retryAttempts === 1 ? 'retry' : 'retries'}`}; fails above{' '}
            {(pipeline.maxErrorRatio * 100).toFixed(pipeline.maxErrorRatio < 0.01 ? 1 : 0)}% invalid rows
          </dd>
        </div>
      </dl>

      {canWrite && (
        <Group gap="xs" mt="sm">
          <Button size="xs" onClick={start} disabled={starting} aria-busy={starting}>
            {starting ? 'Starting…' : 'Run now'}
          </Button>
          <Button size="xs" variant="default" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
            Edit schedule
          </Button>
          <Button
            size="xs"
            variant="default"
            color="red"
            onClick={() => {
              setDeleteError(null);
              setConfirmDelete(true);
            }}
          >
            Delete…
          </Button>
        </Group>
      )}
      <InlineError>{actionError}</InlineError>
      <Collapse expanded={editing} transitionDuration={100}>
        {editing && <ScheduleForm pipeline={pipeline} onDone={() => setEditing(false)} />}
      </Collapse>

      <PipelineRuns pipeline={pipeline} canWrite={canWrite} />

      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${pipeline.name}?`}
        confirmLabel="Delete pipeline"
        busyLabel="Deleting…"
        danger
        busy={deleting}
        error={deleteError}
        onConfirm={remove}
        onCancel={() => setConfirmDelete(false)}
      >
        <Text size="sm">Its schedule stops and its runs and their result files are deleted.</Text>
      </ConfirmDialog>
    </Paper>
  );
}

function ScheduleForm({ pipeline, onDone }: { pipeline: Pipeline; onDone: () => void }) {
  const ids = useId();
  const [manual, setManual] = useState(pipeline.scheduleCron === null);
  const [cron, setCron] = useState(pipeline.scheduleCron ?? '0 6 * * *');
  const [timezone, setTimezone] = useState(pipeline.scheduleTimezone || browserTimeZone());
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, update] = useMutation(UpdateScheduleMutation);
  const zones = useMemo(timeZones, []);
  const words = describeCron(cron);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const result = await update({ id: pipeline.id, cron: manual ? null : cron.trim(), timezone: timezone.trim() || null });
    if (result.error) setError(messageOf(result.error));
    else onDone();
  }

  return (
    <Paper component="form" withBorder p="sm" mt="sm" bg="var(--mantine-color-default-hover)" onSubmit={submit} aria-label={`Schedule of ${pipeline.name}`}>
      <Stack gap="xs">
        <Checkbox label="Manual runs only (no schedule)" checked={manual} onChange={(event) => setManual(event.currentTarget.checked)} />
        {!manual && (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label="Cron"
                value={cron}
                onChange={(event) => setCron(event.currentTarget.value)}
                required
                spellCheck={false}
                autoComplete="off"
                description={words.text || 'minute hour day-of-month month day-of-week'}
                inputWrapperOrder={['label', 'input', 'description', 'error']}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' }, description: { color: words.ok ? undefined : 'var(--mantine-color-orange-7)' } }}
              />
              <TextInput label="Time zone" value={timezone} onChange={(event) => setTimezone(event.currentTarget.value)} list={`${ids}-zones`} required spellCheck={false} autoComplete="off" />
            </SimpleGrid>
            <datalist id={`${ids}-zones`}>
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </>
        )}
        <InlineError mt={0}>{error}</InlineError>
        <Group gap="xs">
          <Button type="submit" size="xs" disabled={fetching} aria-busy={fetching}>
            {fetching ? 'Saving…' : 'Save schedule'}
          </Button>
          <Button size="xs" variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

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

function PipelineRuns({ pipeline, canWrite }: { pipeline: Pipeline; canWrite: boolean }) {
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
          {run.deploymentVersion !== null && <> · version {run.deploymentVersion}</>}
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

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

function CreatePipelineForm({
  deploymentId,
  sources,
  onDone,
  onCancel,
  onRefreshSources,
}: {
  deploymentId: string;
  sources: Sources;
  onDone: () => void;
  onCancel: () => void;
  onRefreshSources: () => void;
}) {
  const ids = useId();
  const [sourceKind, setSourceKind] = useState<'dataset' | 'sql'>(sources.datasets.length === 0 && sources.connectors.length > 0 ? 'sql' : 'dataset');
  const [deliver, setDeliver] = useState(false);
  const [scheduled, setScheduled] = useState(true);
  const [cron, setCron] = useState('0 6 * * *');
  const [timezone, setTimezone] = useState(browserTimeZone);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreatePipelineMutation);
  const zones = useMemo(timeZones, []);
  const words = describeCron(cron);
  const noConnectors = sources.connectors.length === 0;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => {
      const value = String(form.get(name) ?? '').trim();
      return value === '' ? null : value;
    };
    const number = (name: string) => {
      const value = text(name);
      return value === null ? null : Number(value);
    };
    setError(null);
    const maxErrorPercent = number('maxErrorPercent');
    const result = await create({
      input: {
        deploymentId,
        name: text('name') ?? '',
        sourceKind,
        sourceDatasetId: sourceKind === 'dataset' ? text('sourceDatasetId') : null,
        sourceConnectorId: sourceKind === 'sql' ? text('sourceConnectorId') : null,
        sourceSql: sourceKind === 'sql' ? text('sourceSql') : null,
        destinationConnectorId: deliver ? text('destinationConnectorId') : null,
        destinationTable: deliver ? text('destinationTable') : null,
        scheduleCron: scheduled ? cron.trim() : null,
        scheduleTimezone: scheduled ? timezone.trim() || null : null,
        retryAttempts: number('retryAttempts'),
        maxErrorRatio: maxErrorPercent === null ? null : maxErrorPercent / 100,
      },
    });
    if (result.error) setError(messageOf(result.error));
    else onDone();
  }

  const fieldset = (legend: string, children: React.ReactNode) => (
    <Paper component="fieldset" withBorder p="sm" m={0}>
      <legend>
        <Text fw={600} size="sm" px={4}>
          {legend}
        </Text>
      </legend>
      <Stack gap="xs">{children}</Stack>
    </Paper>
  );

  return (
    <Paper component="form" withBorder p={{ base: 'sm', sm: 'md' }} onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <Stack gap="sm">
        <Title order={4} size="h5" id={`${ids}-title`}>
          New pipeline
        </Title>
        <TextInput label="Name" name="name" required maxLength={100} placeholder="Nightly scoring" data-autofocus autoFocus />

        {fieldset(
          'Source',
          <>
            <Radio.Group value={sourceKind} onChange={(value) => setSourceKind(value === 'sql' ? 'sql' : 'dataset')} aria-label="Source kind">
              <Group gap="md">
                <Radio value="dataset" name="sourceKind" label="An uploaded dataset" />
                <Radio value="sql" name="sourceKind" label="A SQL SELECT on a connector" />
              </Group>
            </Radio.Group>
            {sourceKind === 'dataset' ? (
              sources.datasets.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No CSV is uploaded to this project yet: upload one (multipart) to <Code>POST /api/v1/projects/{sources.project.id}/datasets</Code>, then{' '}
                  <Button variant="subtle" size="compact-sm" onClick={onRefreshSources}>
                    reload the list
                  </Button>
                  .
                </Text>
              ) : (
                <NativeSelect label="Dataset" name="sourceDatasetId" required defaultValue="">
                  <option value="" disabled>
                    Choose a CSV…
                  </option>
                  {sources.datasets.map((dataset) => (
                    <option key={dataset.id} value={dataset.id}>
                      {dataset.fileName} ({formatInteger(dataset.rows)} rows, {formatDateTime(dataset.createdAt)})
                    </option>
                  ))}
                </NativeSelect>
              )
            ) : noConnectors ? (
              <Text size="sm" c="dimmed">
                This project has no connectors yet: add an external PostgreSQL database to the project first.
              </Text>
            ) : (
              <>
                <ConnectorSelect label="Connector" name="sourceConnectorId" connectors={sources.connectors} />
                <Textarea
                  label="SELECT"
                  name="sourceSql"
                  required
                  rows={4}
                  placeholder="SELECT * FROM customers WHERE active"
                  spellCheck={false}
                  description="Run read-only, streamed with a cursor. Its columns must match the model's features."
                  inputWrapperOrder={['label', 'input', 'description', 'error']}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                />
              </>
            )}
          </>,
        )}

        {fieldset(
          'Destination',
          <>
            <Text size="sm" c="dimmed">
              Each run always writes result files to download.
            </Text>
            <Checkbox
              checked={deliver}
              onChange={(event) => setDeliver(event.currentTarget.checked)}
              disabled={noConnectors}
              label={`Also write the predictions to a table${noConnectors ? ' (needs a connector)' : ''}`}
            />
            {deliver && !noConnectors && (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <ConnectorSelect label="Connector" name="destinationConnectorId" connectors={sources.connectors} />
                <TextInput label="Table" name="destinationTable" required placeholder="predictions" spellCheck={false} autoComplete="off" />
              </SimpleGrid>
            )}
          </>,
        )}

        {fieldset(
          'Schedule',
          <>
            <Radio.Group value={scheduled ? 'yes' : 'no'} onChange={(value) => setScheduled(value === 'yes')} aria-label="Schedule">
              <Group gap="md">
                <Radio value="yes" name="schedule" label="On a schedule" />
                <Radio value="no" name="schedule" label="Manual runs only" />
              </Group>
            </Radio.Group>
            {scheduled && (
              <>
                <Group gap={6} role="group" aria-label="Common schedules">
                  {CRON_PRESETS.map((preset) => (
                    <Button key={preset.cron} size="compact-sm" variant={cron === preset.cron ? 'light' : 'default'} aria-pressed={cron === preset.cron} onClick={() => setCron(preset.cron)}>
                      {preset.label}
                    </Button>
                  ))}
                </Group>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <TextInput
                    label="Cron"
                    value={cron}
                    onChange={(event) => setCron(event.currentTarget.value)}
                    required
                    spellCheck={false}
                    autoComplete="off"
                    aria-describedby={`${ids}-cron-words`}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  />
                  <TextInput label="Time zone" value={timezone} onChange={(event) => setTimezone(event.currentTarget.value)} list={`${ids}-zones`} required spellCheck={false} autoComplete="off" />
                </SimpleGrid>
                <datalist id={`${ids}-zones`}>
                  {zones.map((zone) => (
                    <option key={zone} value={zone} />
                  ))}
                </datalist>
                <Text id={`${ids}-cron-words`} size="sm" c={words.ok ? 'dimmed' : 'orange.7'}>
                  {words.text || 'minute hour day-of-month month day-of-week'}
                </Text>
              </>
            )}
          </>,
        )}

        <details>
          <summary>
            <Text span size="sm" fw={600}>
              Failures
            </Text>
          </summary>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" mt="xs">
            <NumberInput label="Retries after a failed run" name="retryAttempts" min={0} max={10} step={1} allowDecimal={false} placeholder="server default" />
            <NumberInput label="Fail above this % of invalid rows" name="maxErrorPercent" min={0} max={100} placeholder="server default" />
          </SimpleGrid>
        </details>

        <InlineError mt={0}>{error}</InlineError>
        <Group gap="xs">
          <Button type="submit" disabled={fetching} aria-busy={fetching}>
            {fetching ? 'Creating…' : 'Create pipeline'}
          </Button>
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ConnectorSelect({ label, name, connectors }: { label: string; name: string; connectors: Sources['connectors'] }) {
  return (
    <NativeSelect label={label} name={name} required defaultValue={connectors.length === 1 ? connectors[0]!.id : ''}>
      {connectors.length > 1 && (
        <option value="" disabled>
          Choose a connector…
        </option>
      )}
      {connectors.map((connector) => (
        <option key={connector.id} value={connector.id}>
          {connector.name} ({connector.host}/{connector.database})
        </option>
      ))}
    </NativeSelect>
  );
}
