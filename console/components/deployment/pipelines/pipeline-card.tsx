'use client';

import { useId, useState } from 'react';
import { useMutation } from 'urql';
import { Badge, Button, Code, Collapse, Group, List, Paper, Switch, Text, Title } from '@mantine/core';
import { messageOf } from '../../../lib/errors';
import { formatInteger, formatInZone } from '../../../lib/format';
import { DeletePipelineMutation, RunNowMutation, SetEnabledMutation, type PipelineData as Pipeline, type PipelineSourcesData as Sources } from '../../../lib/operations/pipelines';
import { ConfirmDialog } from '../../confirm-dialog';
import { InlineError } from '../../error-message';
import { ScheduleForm } from './schedule-form';
import { PipelineRuns } from './runs';


export function PipelineCard({ pipeline, sources, canWrite }: { pipeline: Pipeline; sources: Sources | undefined; canWrite: boolean }) {
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
