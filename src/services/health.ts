import type { AppDeps } from "#src/app-deps.ts";

type DependencyState = "up" | "down";
export interface Health {
  ok: boolean;
  dependencies: { dynamodb: DependencyState; s3: DependencyState; identity: DependencyState };
}

const probe = (check: () => Promise<void>) =>
  check().then(
    () => "up" as const,
    () => "down" as const,
  );

async function probeAll(deps: AppDeps): Promise<Health> {
  const [dynamodb, s3, identity] = await Promise.all([
    probe(deps.stores.ping),
    probe(deps.files.ping),
    probe(deps.pingIdentity),
  ]);
  const dependencies = { dynamodb, s3, identity };
  return { ok: Object.values(dependencies).every((state) => state === "up"), dependencies };
}

const recent = new WeakMap<AppDeps, { until: number; health: Promise<Health> }>();

/**
 * Reachability of each dependency. An anonymous caller must not fan out to three backends per
 * request: one probe's answer is shared, by concurrent callers too, for HEALTH_CACHE_SECONDS.
 */
export function checkHealth(deps: AppDeps): Promise<Health> {
  const seconds = deps.config.HEALTH_CACHE_SECONDS;
  if (seconds === 0) return probeAll(deps);
  const now = deps.clock().getTime();
  const cached = recent.get(deps);
  if (cached && now < cached.until) return cached.health;
  const health = probeAll(deps);
  recent.set(deps, { until: now + seconds * 1000, health });
  return health;
}
