import { Alert, Button, Text } from '@mantine/core';

/** An error from the API, with its message and, when it can help, a way to try again. */
export function ErrorMessage({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <Alert color="red" variant="light" role="alert" maw={720}>
      <Text size="sm" c="red.8" className="error">
        {message}
      </Text>
      {onRetry && (
        <Button variant="default" size="xs" mt="sm" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}

/** A short error next to a form or an action (role=alert, so it is announced). */
export function InlineError({ children, mt = 'xs' }: { children: React.ReactNode; mt?: string | number }) {
  if (!children) return null;
  return (
    <Text size="sm" c="red" role="alert" mt={mt} className="error">
      {children}
    </Text>
  );
}
