'use client';

import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Button, Checkbox, Group, Paper, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { messageOf } from '../../../lib/errors';
import { UpdateScheduleMutation, type PipelineData as Pipeline } from '../../../lib/operations/pipelines';
import { InlineError } from '../../error-message';
import { browserTimeZone, describeCron, timeZones } from './schedule';




export function ScheduleForm({ pipeline, onDone }: { pipeline: Pipeline; onDone: () => void }) {
  const ids = useId();
  const [manual, setManual] = useState(pipeline.scheduleCron === null);
  const [cron, setCron] = useState(pipeline.scheduleCron ?? '0 6 * * *');
  const [timezone, setTimezone] = useState(pipeline.scheduleTimezone || browserTimeZone());
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, update] = useMutation(UpdateScheduleMutation);
  const zones = useMemo(timeZones, []);
  const words = describeCron(cron);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const result = await update({ id: pipeline.id, cron: manual ? null : cron.trim(), timezone: timezone.trim() || null });
    if (result.error) setError(messageOf(result.error));
    else onDone();
  }

  return (
    <Paper component="form" withBorder p="sm" mt="sm" bg="var(--mantine-color-default-hover)" onSubmit={submit} aria-label={`Schedule of ${pipeline.name}`}>
      <Stack gap="xs">
        <Checkbox label="Manual runs only (no schedule)" checked={manual} onChange={(event) => setManual(event.currentTarget.checked)} />
        {!manual && (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label="Cron"
                value={cron}
                onChange={(event) => setCron(event.currentTarget.value)}
                required
                spellCheck={false}
                autoComplete="off"
                description={words.text || 'minute hour day-of-month month day-of-week'}
                inputWrapperOrder={['label', 'input', 'description', 'error']}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' }, description: { color: words.ok ? undefined : 'var(--mantine-color-orange-7)' } }}
              />
              <TextInput label="Time zone" value={timezone} onChange={(event) => setTimezone(event.currentTarget.value)} list={`${ids}-zones`} required spellCheck={false} autoComplete="off" />
            </SimpleGrid>
            <datalist id={`${ids}-zones`}>
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </>
        )}
        <InlineError mt={0}>{error}</InlineError>
        <Group gap="xs">
          <Button type="submit" size="xs" disabled={fetching} aria-busy={fetching}>
            {fetching ? 'Saving…' : 'Save schedule'}
          </Button>
          <Button size="xs" variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
