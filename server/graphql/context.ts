import type { Viewer } from '../auth/auth.service';
import type { Services } from '../services';

/** Sets and clears the console's session cookie; only HTTP requests have one. */
export interface SessionCookie {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export interface Context {
  viewer: Viewer | null;
  services: Services;
  session?: SessionCookie;
  /** The client's address (the socket's peer), for login throttling. */
  clientAddress?: string;
  /**
   * Set when the viewer comes from the session cookie of a request that is not from the console's
   * origin: such a request may not run mutations (another site's page cannot act for the user).
   */
  foreignCookie?: boolean;
}
