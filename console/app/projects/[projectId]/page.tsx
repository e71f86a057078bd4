'use client';

import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading } from '../../../components/app-shell';
import { ErrorMessage } from '../../../components/error-message';
import { DeploymentsTable } from '../../../components/project/deployments-table';
import { Collaborators } from '../../../components/project/collaborators';
import { ExperimentsList } from '../../../components/project/experiments-list';
import { ProjectQuery } from '../../../lib/deployment-operations';
import { messageOf } from '../../../lib/errors';

export default function ProjectPage() {
  const { projectId } = useParams<{ projectId: string }>();
  return (
    <AppShell>
      <ProjectView projectId={projectId} />
    </AppShell>
  );
}

function ProjectView({ projectId }: { projectId: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ProjectQuery, variables: { id: projectId } });

  if (error && !data) {
    return (
      <main className="page">
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Project' }]} />
        <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </main>
    );
  }
  if (!data) {
    return <main className="page">{fetching && <Loading what="the project" />}</main>;
  }

  const project = data.project;
  const canDeploy = project.myRole === 'contributor' || project.myRole === 'admin';
  return (
    <main className="page wide">
      <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: project.name }]} />
      <div className="page-head">
        <div>
          <h1>{project.name}</h1>
          {project.description && <p className="muted">{project.description}</p>}
        </div>
        {canDeploy && (
          <Link href={`/projects/${project.id}/deploy`} className="button">
            Deploy a new experiment
          </Link>
        )}
      </div>
      <section aria-labelledby="deployments-title">
        <h2 id="deployments-title">Deployments</h2>
        <DeploymentsTable projectId={project.id} />
      </section>
      <section aria-labelledby="experiments-title">
        <h2 id="experiments-title">Experiments</h2>
        <ExperimentsList projectId={project.id} canEdit={canDeploy} />
      </section>
      <section aria-labelledby="collaborators-title">
        <h2 id="collaborators-title">Collaborators</h2>
        <Collaborators projectId={project.id} />
      </section>
    </main>
  );
}
