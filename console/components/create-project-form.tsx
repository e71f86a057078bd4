'use client';

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { messageOf } from '../lib/errors';
import { CreateProjectMutation } from '../lib/operations';

export function CreateProjectForm() {
  const [{ fetching }, createProject] = useMutation(CreateProjectMutation);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    const result = await createProject({
      input: { name: String(form.get('name')), description: String(form.get('description') ?? '') },
    });
    if (result.error) setError(messageOf(result.error));
    else formElement.reset();
  }

  return (
    <form className="card create-project" onSubmit={submit}>
      <label>
        Name
        <input name="name" required maxLength={100} placeholder="Credit risk" />
      </label>
      <label>
        <span>
          Description <span className="muted">(optional)</span>
        </span>
        <input name="description" placeholder="What the models in this project are for" />
      </label>
      <button type="submit" disabled={fetching} aria-busy={fetching}>
        {fetching ? 'Creating…' : 'Create project'}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
