import { getConfig } from "./config.ts";
import { createStore } from "./store.ts";

/**
 * OAuth 2 authorization code + PKCE against the identity provider (Cognito's managed login, or
 * the local stand-in). Tokens live in sessionStorage: gone when the tab closes, never in a cookie.
 */

interface Tokens {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type Session = { signedIn: false } | { signedIn: true; username?: string };

const TOKENS_KEY = "evergate.tokens";
const PKCE_KEY = "evergate.pkce";
const RETURN_KEY = "evergate.returnTo";
const USERNAME_KEY = "evergate.username";
const LAST_LOGIN_KEY = "evergate.lastLoginAt";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

function readTokens(): Tokens | undefined {
  try {
    const raw = sessionStorage.getItem(TOKENS_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : undefined;
  } catch {
    return undefined;
  }
}

function initialSession(): Session {
  if (!readTokens()) return { signedIn: false };
  return { signedIn: true, username: sessionStorage.getItem(USERNAME_KEY) ?? undefined };
}

export const session = createStore<Session>(initialSession());

export function setUsername(username: string): void {
  sessionStorage.setItem(USERNAME_KEY, username);
  if (session.get().signedIn) session.set({ signedIn: true, username });
}

function saveTokens(tokens: Tokens): void {
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  const current = session.get();
  if (!current.signedIn) session.set({ signedIn: true });
}

export function clearTokens(): void {
  sessionStorage.removeItem(TOKENS_KEY);
  sessionStorage.removeItem(USERNAME_KEY);
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

/**
 * Signed out again within seconds of completing a login means the tokens do not work here: ask
 * before sending the user round again, rather than loop through the identity provider.
 */
export function loginRecentlyAttempted(): boolean {
  const at = Number(sessionStorage.getItem(LAST_LOGIN_KEY) ?? 0);
  return Date.now() - at < 15_000;
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
  sessionStorage.setItem(LAST_LOGIN_KEY, String(Date.now()));
  const returnTo = sessionStorage.getItem(RETURN_KEY) ?? "/";
  sessionStorage.removeItem(RETURN_KEY);
  return returnTo;
}

let refreshing: Promise<string | undefined> | undefined;

/** Trades the refresh token for a new access token; undefined (and signed out) when it cannot. */
export function refreshAccessToken(): Promise<string | undefined> {
  refreshing ??= (async () => {
    const tokens = readTokens();
    if (!tokens?.refreshToken) {
      clearTokens();
      return undefined;
    }
    try {
      const next = toTokens(
        await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refreshToken }),
        tokens,
      );
      saveTokens(next);
      return next.accessToken;
    } catch {
      clearTokens();
      return undefined;
    }
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** The access token to send, refreshed first when it is about to expire. */
export async function getAccessToken(): Promise<string | undefined> {
  const tokens = readTokens();
  if (!tokens) return undefined;
  if (tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS) return tokens.accessToken;
  return refreshAccessToken();
}

export async function logout(): Promise<void> {
  clearTokens();
  sessionStorage.removeItem(LAST_LOGIN_KEY);
  const config = await getConfig().catch(() => undefined);
  if (config?.logoutUrl) {
    const url = new URL(config.logoutUrl);
    url.search = new URLSearchParams({
      client_id: config.clientId,
      logout_uri: `${location.origin}/`,
    }).toString();
    location.assign(url.toString());
  }
}
