import { Paper, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** One labelled figure of a row of figures. */
export function Figure({ label, value, hint, tone }: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'danger' | 'ok' }) {
  return (
    <Paper withBorder px="sm" py={8} className={`monitoring-figure${tone ? ` monitoring-figure-${tone}` : ''}`} style={{ minWidth: 0 }}>
      <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <dd style={{ margin: 0 }}>
        <Text span fz="xl" fw={700} c={tone === 'danger' ? 'red' : undefined} className="monitoring-figure-value" style={{ fontVariantNumeric: 'tabular-nums' }}>
          {value}
        </Text>
        {hint && (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        )}
      </dd>
    </Paper>
  );
}
