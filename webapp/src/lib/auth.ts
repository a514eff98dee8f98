import { getConfig } from "./config.ts";
import { createStore } from "./store.ts";

/**
 * OAuth 2 authorization code + PKCE against the identity provider (Cognito's managed login, or
 * the local stand-in). The tokens live in localStorage under one key, so every tab of this origin
 * shares one login and survives reloads; a `storage` event tells the other tabs when it changes
 * (login, refresh, logout). Why localStorage and what that costs: docs/decisions/017-webapp-session.md.
 */

interface Tokens {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  username?: string;
  userId?: string;
}

export type Session = { signedIn: false } | { signedIn: true; username?: string; userId?: string };

export const TOKENS_KEY = "evergate.tokens";
const PKCE_KEY = "evergate.pkce";
const RETURN_KEY = "evergate.returnTo";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

function readTokens(): Tokens | undefined {
  try {
    const raw = localStorage.getItem(TOKENS_KEY);
    const tokens = raw ? (JSON.parse(raw) as Tokens) : undefined;
    return typeof tokens?.accessToken === "string" ? tokens : undefined;
  } catch {
    return undefined;
  }
}

function sessionOf(tokens: Tokens | undefined): Session {
  return tokens ? { signedIn: true, username: tokens.username, userId: tokens.userId } : { signedIn: false };
}

export const session = createStore<Session>(sessionOf(readTokens()));

// Another tab logged in, refreshed or logged out: follow it (the event never fires in the writer).
addEventListener("storage", (event) => {
  if (event.key !== TOKENS_KEY && event.key !== null) return;
  const next = sessionOf(readTokens());
  const current = session.get();
  if (
    next.signedIn !== current.signedIn ||
    (next.signedIn && current.signedIn && next.username !== current.username)
  ) {
    session.set(next);
  }
});

export function setUser(user: { id: string; username: string }): void {
  const tokens = readTokens();
  if (!tokens) return;
  saveTokens({ ...tokens, username: user.username, userId: user.id });
}

function saveTokens(tokens: Tokens): void {
  localStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  const current = session.get();
  const next = sessionOf(tokens);
  if (!current.signedIn || (next.signedIn && next.username !== current.username)) session.set(next);
}

export function clearTokens(): void {
  localStorage.removeItem(TOKENS_KEY);
  session.set({ signedIn: false });
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function redirectUri(): string {
  return `${location.origin}/callback`;
}

/** Sends the browser to the identity provider; comes back to `returnTo` after /callback. */
export async function login(returnTo = location.pathname + location.search): Promise<void> {
  const config = await getConfig();
  if (!config.authorizeUrl || !config.tokenUrl) throw new Error("Login is not configured on this server.");
  const verifier = randomString();
  const state = randomString();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  sessionStorage.setItem(RETURN_KEY, returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : "/");
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scopes.join(" ") || "openid email profile",
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

interface TokenAnswer {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

async function tokenRequest(body: Record<string, string>): Promise<TokenAnswer> {
  const config = await getConfig();
  if (!config.tokenUrl) throw new Error("Login is not configured on this server.");
  const response = await fetch(config.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: config.clientId, ...body }).toString(),
  });
  const answer = (await response.json().catch(() => ({}))) as TokenAnswer;
  if (!response.ok || !answer.access_token) {
    throw new Error(
      answer.error_description ?? answer.error ?? `The identity provider answered ${response.status}.`,
    );
  }
  return answer;
}

function toTokens(answer: TokenAnswer, previous?: Tokens): Tokens {
  return {
    accessToken: answer.access_token as string,
    idToken: answer.id_token ?? previous?.idToken,
    // Cognito does not rotate refresh tokens by default: keep the one we have.
    refreshToken: answer.refresh_token ?? previous?.refreshToken,
    expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000,
    username: previous?.username,
    userId: previous?.userId,
  };
}

/** Finishes the login at /callback: checks state, swaps the code for tokens; answers where to go. */
export async function completeLogin(search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const error = params.get("error");
  if (error) throw new Error(`Login failed: ${params.get("error_description") ?? error}`);
  const stored = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  const pkce = stored ? (JSON.parse(stored) as { verifier: string; state: string }) : undefined;
  const code = params.get("code");
  if (!pkce || !code || params.get("state") !== pkce.state) {
    throw new Error("This login response does not match a login started in this tab. Please log in again.");
  }
  const answer = await tokenRequest({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri(),
    code_verifier: pkce.verifier,
  });
  saveTokens(toTokens(answer));
  const returnTo = sessionStorage.getItem(RETURN_KEY) ?? "/";
  sessionStorage.removeItem(RETURN_KEY);
  return returnTo;
}

let refreshing: Promise<string | undefined> | undefined;

/**
 * Trades the refresh token for a new access token; undefined (and signed out) when it cannot.
 * `rejected` is the token the API just refused, so a stored one that looks fresh is not trusted.
 */
export function refreshAccessToken(rejected?: string): Promise<string | undefined> {
  refreshing ??= inEveryTabsLock(async () => {
    const tokens = readTokens();
    if (!tokens?.refreshToken) {
      clearTokens();
      return undefined;
    }
    // Another tab may have refreshed already: use its token rather than ask again.
    if (tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS && tokens.accessToken !== rejected) {
      return tokens.accessToken;
    }
    try {
      const next = toTokens(
        await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refreshToken }),
        tokens,
      );
      saveTokens(next);
      return next.accessToken;
    } catch {
      // Refused: unless another tab has stored a newer refresh token meanwhile, the login is over.
      const now = readTokens();
      if (now?.refreshToken && now.refreshToken !== tokens.refreshToken) return now.accessToken;
      clearTokens();
      return undefined;
    }
  }).finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/**
 * One refresh at a time across the tabs of this origin (Web Locks): with refresh-token rotation,
 * two tabs trading the same token would race; the second one finds the first one's answer stored.
 */
async function inEveryTabsLock<T>(work: () => Promise<T>): Promise<T> {
  if (!navigator.locks) return work();
  let result: T | undefined;
  await navigator.locks.request("evergate.refresh", async () => {
    result = await work();
  });
  return result as T;
}

/** The access token to send, refreshed first when it is about to expire. */
export async function getAccessToken(): Promise<string | undefined> {
  const tokens = readTokens();
  if (!tokens) return undefined;
  if (tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS) return tokens.accessToken;
  return refreshAccessToken();
}

/**
 * Ends the login in every tab of this origin (they see the storage event), and revokes the refresh
 * token at the identity provider, so a copy of it taken earlier is worthless too.
 */
export async function logout(): Promise<void> {
  const refreshToken = readTokens()?.refreshToken;
  clearTokens();
  const config = await getConfig().catch(() => undefined);
  if (refreshToken && config?.tokenUrl) {
    await fetch(config.tokenUrl.replace(/\/oauth2\/token$/, "/oauth2/revoke"), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refreshToken, client_id: config.clientId }).toString(),
    }).catch(() => undefined);
  }
  if (config?.logoutUrl) {
    const url = new URL(config.logoutUrl);
    url.search = new URLSearchParams({
      client_id: config.clientId,
      logout_uri: `${location.origin}/`,
    }).toString();
    location.assign(url.toString());
  }
}
