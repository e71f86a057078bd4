'use client';

import { Button, Group, Paper, TextInput } from '@mantine/core';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { messageOf } from '../lib/errors';
import { CreateProjectMutation } from '../lib/operations/session';
import { InlineError } from './error-message';

export function CreateProjectForm() {
  const [{ fetching }, createProject] = useMutation(CreateProjectMutation);
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    const result = await createProject({
      input: { name: String(form.get('name')), description: String(form.get('description') ?? '') },
    });
    if (result.error || !result.data) setError(result.error ? messageOf(result.error) : 'No answer from the server');
    // The next thing to do happens in the new project: open it.
    else router.push(`/projects/${result.data.createProject.id}`);
  }

  return (
    <Paper component="form" withBorder p="md" maw={560} onSubmit={submit}>
      <TextInput label="Name" name="name" required maxLength={100} placeholder="Credit risk" />
      <TextInput label="Description" description="Optional" name="description" placeholder="What the models in this project are for" mt="sm" />
      <Group mt="md">
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Create project
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
    </Paper>
  );
}
