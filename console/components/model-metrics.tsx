import { Badge, Group, Table, Text, VisuallyHidden } from '@mantine/core';
import type { MetricsData } from '../lib/operations/deployment';
import { formatMetric, METRICS_OF_TASK } from '../lib/format';
import { StateBadge } from './status-badges';

type Task = keyof typeof METRICS_OF_TASK;

export interface ModelRow {
  id: string;
  name: string;
  /** Shown under the name, e.g. the algorithm or "version 2". */
  detail?: string;
  status?: string;
  failureReason?: string | null;
  isBest?: boolean;
  /** Shown before the name, e.g. "Main". */
  role?: string;
  metrics: MetricsData | null;
}

/** Models in rows, the holdout metrics of their task in columns: compared side by side. */
export function ModelMetricsTable({ task, models, caption }: { task: Task; models: ModelRow[]; caption: string }) {
  const metrics = METRICS_OF_TASK[task];
  return (
    <Table.ScrollContainer minWidth={420} type="native">
      <Table verticalSpacing={6} fz="sm" withTableBorder>
        <caption>
          <VisuallyHidden>{caption}</VisuallyHidden>
        </caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Model</Table.Th>
            {metrics.map((metric) => (
              <Table.Th scope="col" key={metric.name} ta="right" title={metric.higherIsBetter ? 'Higher is better' : 'Lower is better'} style={{ whiteSpace: 'nowrap' }}>
                {metric.label}{' '}
                <Text span c="dimmed" aria-hidden="true" inherit>
                  {metric.higherIsBetter ? '↑' : '↓'}
                </Text>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {models.map((model) => (
            <Table.Tr key={model.id + (model.role ?? '')} bg={model.isBest ? 'var(--mantine-color-teal-light)' : undefined}>
              <Table.Th scope="row" fw={500}>
                <Group gap={6} wrap="wrap">
                  {model.role && (
                    <Text span size="xs" tt="uppercase" c="dimmed" fw={600}>
                      {model.role}
                    </Text>
                  )}
                  <span>{model.name}</span>
                  {model.isBest && (
                    <Badge color="teal" variant="filled" size="sm" title="The best candidate of its version on the holdout split" style={{ textTransform: 'none' }}>
                      ★ best
                    </Badge>
                  )}
                  {model.status && model.status !== 'ready' && (
                    <StateBadge tone={model.status === 'failed' ? 'bad' : 'pending'} title={model.failureReason ?? undefined}>
                      {model.status}
                    </StateBadge>
                  )}
                </Group>
                {model.detail && (
                  <Text size="xs" c="dimmed" fw={400}>
                    {model.detail}
                  </Text>
                )}
              </Table.Th>
              {metrics.map((metric) => (
                <Table.Td key={metric.name} ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {formatMetric(model.metrics?.[metric.name])}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
