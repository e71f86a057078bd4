'use client';

import Link from 'next/link';
import { useMemo } from 'react';
import { useQuery } from 'urql';
import { messageOf } from '../lib/errors';
import { ProjectsQuery, type ProjectSummary } from '../lib/operations';
import { ErrorMessage } from './error-message';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function ProjectList() {
  // An empty list names no type, so say which one a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['Project'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ProjectsQuery, context });

  if (error) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data) return <p className="muted">{fetching ? 'Loading projects…' : ''}</p>;
  if (data.projects.length === 0) {
    return (
      <div className="card empty">
        <p>No projects yet</p>
        <p className="muted">A project holds experiments, models and deployments. Create the first one below.</p>
      </div>
    );
  }
  return (
    <ul className="projects" aria-label="Projects">
      {data.projects.map((project) => (
        <ProjectCard key={project.id} project={project} />
      ))}
    </ul>
  );
}

function ProjectCard({ project }: { project: ProjectSummary }) {
  return (
    <li className="card project">
      <div className="project-head">
        <h3>
          {/* The link covers the whole card (see .stretched-link); the card stays one tab stop. */}
          <Link href={`/projects/${project.id}`} className="stretched-link">
            {project.name}
          </Link>
        </h3>
        {project.myRole && <span className="badge">{project.myRole}</span>}
      </div>
      {project.description && <p>{project.description}</p>}
      <p className="muted small">Created {dateFormat.format(new Date(project.createdAt))}</p>
    </li>
  );
}
