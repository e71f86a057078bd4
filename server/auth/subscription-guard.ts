import { Repeater } from '@graphql-yoga/subscription';
import { GraphQLError, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { DomainError } from '../platform/errors';
import type { EventBus } from '../platform/event-bus';
import { ACCESS_CHANGED, concernsViewer, type AccessChange } from './access-events';
import type { Viewer } from './auth.service';

/** Also re-checked this often without an event: a change made directly in the database is caught too. */
export const SUBSCRIPTION_RECHECK_MS = 30_000;

type Result = ExecutionResult | AsyncIterable<ExecutionResult>;

/**
 * Keeps an open subscription in step with its viewer's rights. When an access change concerning
 * the viewer is announced (logout, token revocation, account disabled, password reset, project
 * role changed or removed), the subscription is authorised again exactly as when it started: the
 * subscribe resolver runs once more with a freshly authenticated viewer. If that is refused, the
 * subscription ends with the refusal as its error (UNAUTHENTICATED when the token no longer works).
 * Anonymous subscriptions have no rights to lose and are returned as they are.
 */
export async function guardSubscription(
  bus: EventBus,
  args: ExecutionArgs,
  operationResult: Result | Promise<Result>,
  freshContext: () => Promise<{ viewer: Viewer | null }>,
  recheckEveryMs = SUBSCRIPTION_RECHECK_MS,
): Promise<Result> {
  const result = await operationResult;
  const viewer = (args.contextValue as { viewer?: Viewer | null } | undefined)?.viewer;
  if (!viewer || !isAsyncIterable(result)) return result;

  const recheck = async (): Promise<GraphQLError | null> => {
    const contextValue = await freshContext();
    if (!contextValue.viewer) {
      return new GraphQLError('Your session ended (signed out, token revoked or account disabled); sign in again to subscribe', { extensions: { code: 'UNAUTHENTICATED' } });
    }
    const again = await subscribe({ ...args, contextValue });
    if (isAsyncIterable(again)) {
      await (again as AsyncGenerator).return?.(undefined);
      return null;
    }
    const refused = again.errors?.[0];
    if (!refused) return null;
    const cause = refused.originalError;
    // A fresh error without an originalError: the one error mapper shows its message and code as they are.
    return cause instanceof DomainError
      ? new GraphQLError(cause.message, { extensions: { code: cause.code } })
      : new GraphQLError(refused.message, { extensions: { code: refused.extensions.code ?? 'FORBIDDEN' } });
  };

  return new Repeater<ExecutionResult>(async (push, stop) => {
    const iterator = result[Symbol.asyncIterator]();
    let checks = Promise.resolve();
    const check = () => {
      checks = checks.then(async () => {
        const refusal = await recheck();
        if (refusal) stop(refusal);
      }).catch((error: unknown) => stop(error));
    };
    const off = bus.on(ACCESS_CHANGED, (payload) => {
      if (concernsViewer(payload as AccessChange, viewer)) check();
    });
    const timer = setInterval(check, recheckEveryMs);
    timer.unref();
    void (async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          await push(next.value);
        }
        stop();
      } catch (error) {
        stop(error);
      }
    })();
    await stop;
    off();
    clearInterval(timer);
    await iterator.return?.();
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
