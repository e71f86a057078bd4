/** Where the login page sends someone back to after signing in. */
export function loginUrl(pathname: string): string {
  return pathname === '/' ? '/login' : `/login?next=${encodeURIComponent(pathname)}`;
}

/**
 * Pages a visitor may see without signing in: the login page itself, and a deployment's web form
 * and API docs, which say on the page how to sign in for a deployment that is not public.
 */
const PUBLIC_PAGES = /^\/(login|d\/)/;

/**
 * A session that ended while a page was open (expired, signed out elsewhere, account disabled):
 * every section would answer "Sign in or send a valid token" with a "Try again" that cannot work.
 * Instead go to the sign-in page, which comes back to this page, tab included.
 */
export function signInAgain(): void {
  // Signing out ends the session on purpose: the queries it makes fail go nowhere but /login.
  if (signingOut) return;
  const { pathname, search, hash } = window.location;
  if (PUBLIC_PAGES.test(pathname)) return;
  window.location.assign(loginUrl(`${pathname}${search}${hash}`));
}

let signingOut = false;

/** Called by "Sign out" before the session ends, so that the queries it ends do not ask to come back here. */
export function setSigningOut(value: boolean): void {
  signingOut = value;
}
