'use client';

import { Title } from '@mantine/core';
import { useParams } from 'next/navigation';
import { useQuery } from 'urql';
import { EmptyState } from '../../../../components/empty-state';
import { AppShell, Page, Breadcrumbs, Loading } from '../../../../components/app-shell';
import { ErrorMessage } from '../../../../components/error-message';
import { DeployForm } from '../../../../components/project/deploy-form';
import { ExperimentsQuery, ProjectQuery } from '../../../../lib/operations/deployment';
import { messageOf } from '../../../../lib/errors';

export default function DeployPage() {
  const { projectId } = useParams<{ projectId: string }>();
  return (
    <AppShell>
      <DeployView projectId={projectId} />
    </AppShell>
  );
}

function DeployView({ projectId }: { projectId: string }) {
  const [project, refetchProject] = useQuery({ query: ProjectQuery, variables: { id: projectId } });
  const [experiments, refetchExperiments] = useQuery({ query: ExperimentsQuery, variables: { projectId }, requestPolicy: 'cache-and-network' });
  const name = project.data?.project.name;
  const crumbs = [{ label: 'Projects', href: '/' }, { label: name ?? 'Project', href: `/projects/${projectId}` }, { label: 'Deploy' }];

  const error = (!project.data && project.error) || (!experiments.data && experiments.error);
  let body;
  if (error) {
    body = (
      <ErrorMessage
        message={messageOf(error)}
        onRetry={() => {
          refetchProject({ requestPolicy: 'network-only' });
          refetchExperiments({ requestPolicy: 'network-only' });
        }}
      />
    );
  } else if (!project.data || !experiments.data) {
    body = <Loading what="the experiments" />;
  } else if (project.data.project.myRole !== 'contributor' && project.data.project.myRole !== 'admin') {
    body = (
      <EmptyState title="You cannot deploy in this project">Deploying needs the contributor or admin role in the project; ask one of its admins.</EmptyState>
    );
  } else {
    body = <DeployForm projectId={projectId} experiments={experiments.data.experiments} />;
  }

  return (
    <Page width="narrow">
      <Breadcrumbs items={crumbs} />
      <Title order={1} mb="md">
        Deploy an experiment
      </Title>
      {body}
    </Page>
  );
}
