'use client';

import cronstrue from 'cronstrue';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { messageOf } from '../../lib/errors';
import { graphql, type ResultOf } from '../../lib/graphql';
import { useIsBrowser } from '../../lib/use-is-browser';
import { ErrorMessage } from '../error-message';
import { useInterval } from './monitoring-section';

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

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const integerFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const formatDateTime = (value: string) => dateTimeFormat.format(new Date(value));
const formatInteger = (n: number) => integerFormat.format(n);

/** A date in the time zone the schedule is written in, which is the one its cron speaks. */
function formatInZone(value: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(value));
  } catch {
    return formatDateTime(value);
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

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
  if (!data) {
    return (
      <p className="muted" aria-busy="true">
        Loading pipelines…
      </p>
    );
  }

  const sources = sourcesResult.data;
  const canWrite = sources ? sources.project.myRole !== 'viewer' && sources.project.myRole !== null : false;
  const pipelines = data.pipelines;

  return (
    <div className="predictions">
      <p className="muted small">
        A pipeline runs this deployment&apos;s models on a whole dataset, on a schedule or on demand, and writes one result file per model (and optionally a table
        on a connector).
      </p>
      {sourcesResult.error && (
        <p className="error small" role="status">
          Cannot load the project&apos;s datasets and connectors: {messageOf(sourcesResult.error)}
        </p>
      )}
      {pipelines.length === 0 ? (
        <div className="card empty">
          <p>No pipelines yet</p>
          <p className="muted">{canWrite ? 'Create one below to predict a dataset or the result of a SQL query.' : 'The contributors of the project can create one.'}</p>
        </div>
      ) : (
        <ul className="predictions-list" aria-label="Pipelines">
          {pipelines.map((pipeline) => (
            <PipelineCard key={pipeline.id} pipeline={pipeline} sources={sources} canWrite={canWrite} />
          ))}
        </ul>
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
          <div>
            <button type="button" onClick={() => setCreating(true)}>
              New pipeline
            </button>
          </div>
        ))}
    </div>
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
    setActionError(null);
    const result = await deletePipeline({ id: pipeline.id }, { additionalTypenames: ['Pipeline'] });
    if (result.error) {
      setActionError(messageOf(result.error));
      setConfirmDelete(false);
    }
  }

  const scheduled = pipeline.scheduleCron !== null;
  return (
    <li className="card predictions-pipeline" aria-labelledby={headingId}>
      <div className="predictions-head">
        <h4 id={headingId}>{pipeline.name}</h4>
        {!scheduled ? <span className="badge">manual</span> : pipeline.enabled ? <span className="badge predictions-badge-ok">scheduled</span> : <span className="badge predictions-badge-paused">paused</span>}
        {canWrite && scheduled && (
          <label className="predictions-switch">
            <input type="checkbox" role="switch" checked={pipeline.enabled} disabled={toggling} onChange={toggle} aria-label={`Run ${pipeline.name} on its schedule`} />
            <span aria-hidden="true">{pipeline.enabled ? 'Enabled' : 'Paused'}</span>
          </label>
        )}
      </div>

      <dl className="predictions-facts">
        <div>
          <dt>Source</dt>
          <dd>
            {pipeline.sourceKind === 'dataset' ? (
              <>
                Dataset {dataset ? <strong>{dataset.fileName}</strong> : <span className="muted">(removed or loading)</span>}
                {dataset && <span className="muted"> · {formatInteger(dataset.rows)} rows</span>}
              </>
            ) : (
              <>
                SQL on <strong>{connectorName(pipeline.sourceConnectorId)}</strong>
                {pipeline.sourceSql && <pre className="predictions-sql">{pipeline.sourceSql}</pre>}
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Destination</dt>
          <dd>
            {pipeline.destinationConnectorId ? (
              <>
                Table <code>{pipeline.destinationTable}</code> on <strong>{connectorName(pipeline.destinationConnectorId)}</strong>, plus the result files
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
                <span className="muted">{pipeline.enabled ? 'none' : 'none while paused'}</span>
              ) : (
                <ul className="predictions-next">
                  {pipeline.nextRunTimes.map((time) => (
                    <li key={time}>
                      <time dateTime={time}>{formatInZone(time, pipeline.scheduleTimezone)}</time>
                    </li>
                  ))}
                  <li className="muted small">({pipeline.scheduleTimezone})</li>
                </ul>
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
        <div className="predictions-actions">
          <button type="button" onClick={start} disabled={starting} aria-busy={starting}>
            {starting ? 'Starting…' : 'Run now'}
          </button>
          <button type="button" className="secondary" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
            Edit schedule
          </button>
          {confirmDelete ? (
            <span className="predictions-confirm" role="group" aria-label="Confirm deletion">
              <span>Delete {pipeline.name} and its runs?</span>
              <button type="button" className="predictions-danger" onClick={remove} disabled={deleting} autoFocus>
                {deleting ? 'Deleting…' : 'Delete'}
              </button>
              <button type="button" className="secondary" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </span>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirmDelete(true)}>
              Delete…
            </button>
          )}
        </div>
      )}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {editing && <ScheduleForm pipeline={pipeline} onDone={() => setEditing(false)} />}

      <PipelineRuns pipeline={pipeline} canWrite={canWrite} />
    </li>
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
    <form className="predictions-form predictions-schedule" onSubmit={submit} aria-label={`Schedule of ${pipeline.name}`}>
      <label className="predictions-check">
        <input type="checkbox" checked={manual} onChange={(event) => setManual(event.target.checked)} />
        Manual runs only (no schedule)
      </label>
      {!manual && (
        <>
          <label htmlFor={`${ids}-cron`}>Cron</label>
          <input id={`${ids}-cron`} value={cron} onChange={(event) => setCron(event.target.value)} required aria-describedby={`${ids}-cron-words`} spellCheck={false} autoComplete="off" />
          <p id={`${ids}-cron-words`} className={`small ${words.ok ? 'muted' : 'predictions-warning'}`}>
            {words.text || 'minute hour day-of-month month day-of-week'}
          </p>
          <label htmlFor={`${ids}-tz`}>Time zone</label>
          <input id={`${ids}-tz`} value={timezone} onChange={(event) => setTimezone(event.target.value)} list={`${ids}-zones`} required spellCheck={false} autoComplete="off" />
          <datalist id={`${ids}-zones`}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="predictions-actions">
        <button type="submit" disabled={fetching} aria-busy={fetching}>
          {fetching ? 'Saving…' : 'Save schedule'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
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
    <section className="predictions-runs" aria-label={`Runs of ${pipeline.name}`}>
      <div className="predictions-runs-head">
        <h5>Runs</h5>
        {liveError && <span className="muted small">Live updates unavailable ({messageOf(liveError)}); reload to refresh.</span>}
      </div>
      {!data ? (
        <p className="muted small" aria-busy="true">
          Loading runs…
        </p>
      ) : runs.length === 0 ? (
        <p className="muted small">No runs yet.{pipeline.scheduleCron && pipeline.enabled && pipeline.nextRunTimes[0] ? ` The first is due ${formatDateTime(pipeline.nextRunTimes[0])}.` : ''}</p>
      ) : (
        <>
          <ul className="predictions-run-list">
            {runs.map((run) => (
              <RunItem key={run.id} run={run} canWrite={canWrite} />
            ))}
          </ul>
          {data.pipelineRuns.length >= limit && (
            <button type="button" className="secondary" onClick={() => setLimit((l) => l + PAGE)} disabled={fetching}>
              {fetching ? 'Loading…' : 'Show older runs'}
            </button>
          )}
        </>
      )}
    </section>
  );
}

const FILE_LABELS: Record<string, string> = { main: 'Main predictions', challenger: 'Challenger predictions', errors: 'Invalid rows' };

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
    <li className={`predictions-run predictions-run-${run.status}`}>
      <div className="predictions-run-head">
        <span className={`badge predictions-status predictions-status-${run.status}`}>{run.status}</span>
        <span className="small">
          {run.trigger === 'schedule' ? 'Scheduled' : 'Manual'} · {formatDateTime(run.createdAt)}
          {run.deploymentVersion !== null && <> · version {run.deploymentVersion}</>}
          {run.attempt > 1 && <> · attempt {run.attempt}</>}
          {ended && <> · took {ended}</>}
        </span>
        {canWrite && active && (
          <button type="button" className="secondary predictions-small" onClick={stop} disabled={cancelling}>
            {cancelling ? 'Cancelling…' : 'Cancel run'}
          </button>
        )}
      </div>
      {(active || run.progress !== null) && (
        <div className="predictions-progress">
          <progress
            max={1}
            value={run.progress ?? undefined}
            aria-label={`Progress of the run started ${formatDateTime(run.createdAt)}`}
            aria-valuetext={progressLabel || undefined}
          />
          <span className="small">{progressLabel}</span>
        </div>
      )}
      <p className="small predictions-counts">
        Read {formatInteger(run.rowsRead)}
        {run.rowsTotal !== null && ` of ${formatInteger(run.rowsTotal)}`} · predicted {formatInteger(run.rowsPredicted)} ·{' '}
        <span className={run.rowsFailed > 0 ? 'predictions-warning' : undefined}>failed {formatInteger(run.rowsFailed)}</span>
      </p>
      {run.error && <p className="error small">{run.error}</p>}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      {run.files.length > 0 && (
        <p className="predictions-files small">
          Download:{' '}
          {run.files.map((kind, i) => (
            <span key={kind}>
              {i > 0 && ' · '}
              <a href={`/api/v1/pipeline-runs/${encodeURIComponent(run.id)}/files/${encodeURIComponent(kind)}`} download>
                {FILE_LABELS[kind] ?? kind} (CSV)
              </a>
            </span>
          ))}
        </p>
      )}
    </li>
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

  return (
    <form className="card predictions-form predictions-create" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h4 id={`${ids}-title`}>New pipeline</h4>
      <label>
        Name
        <input name="name" required maxLength={100} placeholder="Nightly scoring" autoFocus />
      </label>

      <fieldset>
        <legend>Source</legend>
        <div className="predictions-radios">
          <label className="predictions-check">
            <input type="radio" name="sourceKind" value="dataset" checked={sourceKind === 'dataset'} onChange={() => setSourceKind('dataset')} />
            An uploaded dataset
          </label>
          <label className="predictions-check">
            <input type="radio" name="sourceKind" value="sql" checked={sourceKind === 'sql'} onChange={() => setSourceKind('sql')} />A SQL SELECT on a connector
          </label>
        </div>
        {sourceKind === 'dataset' ? (
          sources.datasets.length === 0 ? (
            <p className="muted small">
              No CSV is uploaded to this project yet: upload one (multipart) to <code>POST /api/v1/projects/{sources.project.id}/datasets</code>, then{' '}
              <button type="button" className="monitoring-link" onClick={onRefreshSources}>
                reload the list
              </button>
              .
            </p>
          ) : (
            <label>
              Dataset
              <select name="sourceDatasetId" required defaultValue="">
                <option value="" disabled>
                  Choose a CSV…
                </option>
                {sources.datasets.map((dataset) => (
                  <option key={dataset.id} value={dataset.id}>
                    {dataset.fileName} ({formatInteger(dataset.rows)} rows, {formatDateTime(dataset.createdAt)})
                  </option>
                ))}
              </select>
            </label>
          )
        ) : noConnectors ? (
          <p className="muted small">This project has no connectors yet: add an external PostgreSQL database to the project first.</p>
        ) : (
          <>
            <label>
              Connector
              <ConnectorSelect name="sourceConnectorId" connectors={sources.connectors} />
            </label>
            <label>
              SELECT
              <textarea name="sourceSql" required rows={4} placeholder="SELECT * FROM customers WHERE active" spellCheck={false} />
              <span className="muted small">Run read-only, streamed with a cursor. Its columns must match the model&apos;s features.</span>
            </label>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>Destination</legend>
        <p className="muted small">Each run always writes result files to download.</p>
        <label className="predictions-check">
          <input type="checkbox" checked={deliver} onChange={(event) => setDeliver(event.target.checked)} disabled={noConnectors} />
          Also write the predictions to a table{noConnectors ? ' (needs a connector)' : ''}
        </label>
        {deliver && !noConnectors && (
          <div className="predictions-row">
            <label>
              Connector
              <ConnectorSelect name="destinationConnectorId" connectors={sources.connectors} />
            </label>
            <label>
              Table
              <input name="destinationTable" required placeholder="predictions" spellCheck={false} autoComplete="off" />
            </label>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>Schedule</legend>
        <div className="predictions-radios">
          <label className="predictions-check">
            <input type="radio" name="schedule" checked={scheduled} onChange={() => setScheduled(true)} />
            On a schedule
          </label>
          <label className="predictions-check">
            <input type="radio" name="schedule" checked={!scheduled} onChange={() => setScheduled(false)} />
            Manual runs only
          </label>
        </div>
        {scheduled && (
          <>
            <div className="predictions-presets" role="group" aria-label="Common schedules">
              {CRON_PRESETS.map((preset) => (
                <button key={preset.cron} type="button" className="secondary predictions-small" aria-pressed={cron === preset.cron} onClick={() => setCron(preset.cron)}>
                  {preset.label}
                </button>
              ))}
            </div>
            <div className="predictions-row">
              <label>
                Cron
                <input value={cron} onChange={(event) => setCron(event.target.value)} required spellCheck={false} autoComplete="off" aria-describedby={`${ids}-cron-words`} />
              </label>
              <label>
                Time zone
                <input value={timezone} onChange={(event) => setTimezone(event.target.value)} list={`${ids}-zones`} required spellCheck={false} autoComplete="off" />
              </label>
            </div>
            <datalist id={`${ids}-zones`}>
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            <p id={`${ids}-cron-words`} className={`small ${words.ok ? 'muted' : 'predictions-warning'}`}>
              {words.text || 'minute hour day-of-month month day-of-week'}
            </p>
          </>
        )}
      </fieldset>

      <details>
        <summary>Failures</summary>
        <div className="predictions-row">
          <label>
            Retries after a failed run
            <input name="retryAttempts" type="number" min={0} max={10} step={1} placeholder="server default" />
          </label>
          <label>
            Fail above this % of invalid rows
            <input name="maxErrorPercent" type="number" min={0} max={100} step="any" placeholder="server default" />
          </label>
        </div>
      </details>

      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="predictions-actions">
        <button type="submit" disabled={fetching} aria-busy={fetching}>
          {fetching ? 'Creating…' : 'Create pipeline'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ConnectorSelect({ name, connectors }: { name: string; connectors: Sources['connectors'] }) {
  return (
    <select name={name} required defaultValue={connectors.length === 1 ? connectors[0]!.id : ''}>
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
    </select>
  );
}
