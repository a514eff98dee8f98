import type { AppDeps } from "#src/app-deps.ts";
import { type ApiKey, apiKeyStatus, rotationOf } from "#src/domain/api-key.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import type { ApiKeyScope } from "#src/domain/scopes.ts";
import { mintToken } from "#src/domain/token.ts";
import type { Page, PageRequest } from "#src/storage/ports.ts";

type ApiKeyDeps = Pick<AppDeps, "stores" | "clock" | "config">;

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  expiresAt?: string;
}

/** Mints a key for a signed-in person; the key itself exists only in the answer (its hash is the id). */
export async function createApiKey(
  deps: ApiKeyDeps,
  owner: { userId: string; username: string },
  fields: NewApiKey,
): Promise<{ key: ApiKey; token: string }> {
  const now = deps.clock();
  if (fields.expiresAt !== undefined && Date.parse(fields.expiresAt) <= now.getTime()) {
    throw new AppError("invalid_request", "expiresAt must be in the future.", {
      errors: [{ path: "expiresAt", message: "must be in the future" }],
    });
  }
  const { token, hash, hint } = mintToken("apiKey", deps.config.TOKEN_KEYS);
  const key: ApiKey = {
    id: hash,
    ownerId: owner.userId,
    ownerName: owner.username,
    name: fields.name,
    scopes: fields.scopes,
    keyHint: hint,
    createdAt: now.toISOString(),
    ...(fields.expiresAt === undefined ? {} : { expiresAt: new Date(fields.expiresAt).toISOString() }),
  };
  await deps.stores.apiKeys.put(key);
  return { key, token };
}

export function listApiKeys(deps: ApiKeyDeps, ownerId: string, page: PageRequest): Promise<Page<ApiKey>> {
  return deps.stores.apiKeys.listByOwner(ownerId, page);
}

/** Revokes one of the owner's keys; anyone else's is the same 404 as a missing one. */
export async function revokeApiKey(deps: ApiKeyDeps, ownerId: string, id: string): Promise<ApiKey> {
  const existing = await deps.stores.apiKeys.get(id);
  if (!existing || existing.ownerId !== ownerId) throw notFound("API key");
  const revoked = await deps.stores.apiKeys.revoke(id, deps.clock());
  if (!revoked) throw notFound("API key");
  return revoked;
}

/**
 * Gives one of the owner's keys a new secret, shown only in this answer: same id, name, scopes and
 * expiry; the secret it had works API_KEY_ROTATION_OVERLAP_SECONDS more, then never again
 * (docs/decisions/030-api-key-rotation.md). Anyone else's key is the same 404 as a missing one.
 */
export async function rotateApiKey(
  deps: ApiKeyDeps,
  ownerId: string,
  id: string,
): Promise<{ key: ApiKey; token: string }> {
  const existing = await deps.stores.apiKeys.get(id);
  if (!existing || existing.ownerId !== ownerId) throw notFound("API key");
  const now = deps.clock();
  const status = apiKeyStatus(existing, now);
  if (status !== "active")
    throw new AppError("conflict", `The API key is ${status}: only an active key rotates.`);
  const { token, hash, hint } = mintToken("apiKey", deps.config.TOKEN_KEYS);
  const rotation = rotationOf(existing, { hash, hint }, now, deps.config.API_KEY_ROTATION_OVERLAP_SECONDS);
  const rotated = await deps.stores.apiKeys.rotate(id, rotation);
  if (!rotated) {
    throw new AppError("conflict", "The API key was rotated or revoked meanwhile: read it again and retry.");
  }
  return { key: rotated, token };
}
