import type { EventBus } from '../platform/event-bus';

/**
 * Bus topic: what a viewer may do changed. Every replica drops the cached tokens and project
 * roles it names and re-checks the open subscriptions of the users it names.
 */
export const ACCESS_CHANGED = 'ACCESS_CHANGED';

/**
 * Which cached access became stale; the fields narrow it down:
 * - `tokenId`: one token was revoked (logout, revokeAccessToken);
 * - `userId` alone: everything of a user (disabled, password changed or reset, sessions ended);
 * - `userId` and `projectId`: the user's role in one project (added, role changed, removed);
 * - `projectId` alone: every role in a project (project deleted).
 */
export interface AccessChange {
  tokenId?: string;
  userId?: string;
  projectId?: string;
}

/**
 * Announces a change on every replica; awaited before the mutation that caused it returns. This
 * process hears it at once (the bus's own echo comes back later, after the caller's next request
 * may already have arrived); hearing it twice only drops an entry that is already gone.
 */
export async function announceAccessChange(bus: EventBus, change: AccessChange): Promise<void> {
  bus.publishLocal(ACCESS_CHANGED, change);
  await bus.publish(ACCESS_CHANGED, change);
}

/** Whether a change concerns a viewer (its user or the token it presented). */
export function concernsViewer(change: AccessChange, viewer: { user: { id: string }; tokenId: string }): boolean {
  if (change.tokenId !== undefined) return change.tokenId === viewer.tokenId;
  if (change.userId !== undefined) return change.userId === viewer.user.id;
  return change.projectId !== undefined;
}
