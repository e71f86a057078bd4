'use client';

import { useParams } from 'next/navigation';
import { useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading } from '../../../../components/app-shell';
import { ErrorMessage } from '../../../../components/error-message';
import { DeployForm } from '../../../../components/project/deploy-form';
import { ExperimentsQuery, ProjectQuery } from '../../../../lib/deployment-operations';
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
      <div className="card empty">
        <p>You cannot deploy in this project</p>
        <p className="muted">Deploying needs the contributor or admin role in the project; ask one of its admins.</p>
      </div>
    );
  } else {
    body = <DeployForm projectId={projectId} experiments={experiments.data.experiments} />;
  }

  return (
    <main className="page narrow">
      <Breadcrumbs items={crumbs} />
      <h1>Deploy an experiment</h1>
      {body}
    </main>
  );
}
