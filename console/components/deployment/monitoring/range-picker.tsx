'use client';

import { Button, Group, ScrollArea, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type RangeKey = '24h' | '7d' | '30d' | 'version' | 'custom';

export const RANGES: Array<{ key: RangeKey; label: string; ms?: number }> = [
  { key: '24h', label: '24 h', ms: DAY_MS },
  { key: '7d', label: '7 days', ms: 7 * DAY_MS },
  { key: '30d', label: '30 days', ms: 30 * DAY_MS },
  { key: 'version', label: 'Current version' },
  { key: 'custom', label: 'Custom' },
];

export interface CustomRange {
  from: string;
  to: string;
}

/** `datetime-local` value (local time) of a date. */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

export function RangePicker({
  value,
  onChange,
  custom,
  onCustom,
}: {
  value: RangeKey;
  onChange: (key: RangeKey) => void;
  custom: CustomRange | null;
  onCustom: (range: CustomRange) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [defaults] = useState(() => {
    const end = Date.now();
    return { from: toLocalInput(end - 7 * DAY_MS), to: toLocalInput(end) };
  });

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fromMs = new Date(String(form.get('from'))).getTime();
    const toMs = new Date(String(form.get('to'))).getTime();
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return setError('Give both a start and an end.');
    if (fromMs >= toMs) return setError('The start must be before the end.');
    setError(null);
    onCustom({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  }

  return (
    <Stack gap="xs" style={{ minWidth: 0, maxWidth: '100%' }}>
      <ScrollArea type="never" offsetScrollbars={false}>
        <SegmentedControl
          aria-label="Time range"
          size="xs"
          value={value}
          onChange={(key) => onChange(key as RangeKey)}
          data={RANGES.map((range) => ({ value: range.key, label: range.label }))}
        />
      </ScrollArea>
      {value === 'custom' && (
        <form onSubmit={apply} aria-label="Custom time range">
          <Group align="flex-end" gap="xs" wrap="wrap">
            <TextInput label="From" size="xs" type="datetime-local" name="from" required defaultValue={custom ? toLocalInput(Date.parse(custom.from)) : defaults.from} />
            <TextInput label="To" size="xs" type="datetime-local" name="to" required defaultValue={custom ? toLocalInput(Date.parse(custom.to)) : defaults.to} />
            <Button type="submit" size="xs">
              Show
            </Button>
          </Group>
          {error && (
            <Text size="sm" c="red" role="alert" mt={4}>
              {error}
            </Text>
          )}
        </form>
      )}
    </Stack>
  );
}
