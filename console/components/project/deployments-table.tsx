'use client';

import { ActionIcon, Anchor, Menu, Table, Text, VisuallyHidden } from '@mantine/core';
import Link from 'next/link';
import { useCallback, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { DeploymentsQuery, type DeploymentRow, type DeploymentStatusData } from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { ACCESS_LABELS, formatDate } from '../../lib/format';
import { useLiveStatuses } from '../../lib/use-live-statuses';
import { Loading } from '../app-shell';
import { EmptyState } from '../empty-state';
import { DeleteDeploymentDialog } from '../deployment/delete-deployment';
import { ErrorMessage } from '../error-message';
import { ModelServing, StatusBadges } from '../status-badges';

/** A project's deployments with their statuses, kept live by `deploymentStatusChanged(projectId)`. */
export function DeploymentsTable({ projectId, canChange }: { projectId: string; canChange: boolean }) {
  // An empty list names no type: say which one a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['Deployment'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: DeploymentsQuery, variables: { projectId }, context, requestPolicy: 'cache-and-network' });

  const deployments = data?.deployments;
  const onChange = useCallback(
    (status: DeploymentStatusData) => {
      // A deployment created or deleted elsewhere, or a new current version: the list is stale.
      const row = deployments?.find((deployment) => deployment.id === status.deploymentId);
      if (!row || status.version !== row.currentVersion) refetch({ requestPolicy: 'network-only' });
    },
    [deployments, refetch],
  );
  const live = useLiveStatuses({ projectId }, onChange);
  const [deleting, setDeleting] = useState<DeploymentRow | null>(null);

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!deployments) return fetching ? <Loading what="deployments" /> : null;
  if (deployments.length === 0) {
    return <EmptyState title="No deployments yet">Deploy a model of one of the experiments below to serve it behind a stable URL and a web form.</EmptyState>;
  }
  return (
    <>
      {live.error && (
        <Text size="sm" c="dimmed" mb="xs">
          Live status updates are unavailable: {live.error}
        </Text>
      )}
      <Table.ScrollContainer minWidth={0} type="native">
        <Table className="responsive" aria-label="Deployments" verticalSpacing="sm" highlightOnHover withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Main</Table.Th>
              <Table.Th scope="col">Challenger</Table.Th>
              <Table.Th scope="col" ta="right">
                Deployment version
              </Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">URL</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {deployments.map((deployment) => {
              const status = live.statuses[deployment.id] ?? deployment.status;
              const experimentVersion = (modelId: string) => deployment.experiment.versions.find((version) => version.models.some((model) => model.id === modelId))?.number;
              return (
                <Table.Tr key={deployment.id} data-deployment={deployment.slug}>
                  <Table.Th scope="row" data-label="Name">
                    <Anchor component={Link} href={`/deployments/${deployment.id}`} fw={600}>
                      {deployment.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" fw={400}>
                      {deployment.experiment.name} · {ACCESS_LABELS[deployment.access].label.toLowerCase()}
                    </Text>
                  </Table.Th>
                  <Table.Td data-label="Status">
                    <StatusBadges status={status} />
                  </Table.Td>
                  <Table.Td data-label="Main">
                    <ModelServing model={status.main} experimentVersion={experimentVersion} />
                  </Table.Td>
                  <Table.Td data-label="Challenger">
                    <ModelServing model={status.challenger} empty="none" experimentVersion={experimentVersion} />
                  </Table.Td>
                  <Table.Td data-label="Deployment version" ta={{ base: "left", sm: "right" }}>
                    {deployment.currentVersion ?? '—'}
                  </Table.Td>
                  <Table.Td data-label="Created">{formatDate(deployment.createdAt)}</Table.Td>
                  <Table.Td data-label="URL" style={{ whiteSpace: 'nowrap' }}>
                    <Anchor component={Link} href={`/d/${deployment.slug}`} title={deployment.formUrl}>
                      /d/{deployment.slug}
                    </Anchor>
                  </Table.Td>
                  <Table.Td data-label="Actions" ta="right">
                    <RowMenu deployment={deployment} canChange={canChange} onDelete={() => setDeleting(deployment)} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {deleting && (
        <DeleteDeploymentDialog
          open
          id={deleting.id}
          slug={deleting.slug}
          name={deleting.name}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            refetch({ requestPolicy: 'network-only' });
          }}
        />
      )}
    </>
  );
}

/** The row's "⋯" menu: the pages of a deployment, and deletion for those who may change it. */
function RowMenu({ deployment, canChange, onDelete }: { deployment: DeploymentRow; canChange: boolean; onDelete: () => void }) {
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${deployment.name}`}>
          <span aria-hidden="true" style={{ fontSize: 20, lineHeight: 1 }}>
            ⋯
          </span>
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item component={Link} href={`/deployments/${deployment.id}`}>
          Open
        </Menu.Item>
        <Menu.Item component={Link} href={`/d/${deployment.slug}`}>
          Web form
        </Menu.Item>
        <Menu.Item component={Link} href={`/d/${deployment.slug}/docs`}>
          API docs
        </Menu.Item>
        {canChange && (
          <>
            <Menu.Divider />
            <Menu.Item color="red" onClick={onDelete}>
              Delete…
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
