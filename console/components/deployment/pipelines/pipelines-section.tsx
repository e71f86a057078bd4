'use client';

import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { Button, Group, Stack, Text } from '@mantine/core';
import { messageOf } from '../../../lib/errors';
import { PipelinesQuery, SourcesQuery } from '../../../lib/operations/pipelines';
import { useInterval } from '../../../lib/use-interval';
import { useIsBrowser } from '../../../lib/use-is-browser';
import { Loading } from '../../app-shell';
import { EmptyState } from '../../empty-state';
import { ErrorMessage } from '../../error-message';
import { PipelineCard } from './pipeline-card';
import { CreatePipelineForm } from './create-pipeline-form';

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
