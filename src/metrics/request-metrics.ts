import { cachedIn, type Metrics } from "./metrics.ts";

/** The route the Lambda answers from the event (src/lambda/handler.ts), as Hono names it too. */
export const LINK_ROUTE = "/l/{token}";

/** A Hono route pattern as a metric dimension: `/api/links/:id` → `/api/links/{id}`, as in openapi.yaml. */
export const routeLabel = (pattern: string): string => pattern.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

/** One dimensions object per route, made once: recording a request allocates nothing. */
const routeDimensions = new Map<string, { Route: string }>();
const dimensionsOf = (route: string) => cachedIn(routeDimensions, route, (Route) => ({ Route }));
const RATE_LIMITED = { Outcome: "rate_limited" } as const;

/**
 * Every request's metrics, recorded at the edge beside its access-log line (Hono's middleware and
 * the Lambda's /l/ path): count, 4xx and 5xx as 0/1 (summed: Sum(5xx) / Sum(count) is the rate), latency. A 429
 * on the gateway is a link outcome of its own: it is refused before the token is looked at.
 */
export function recordRequest(
  metrics: Metrics,
  request: { route: string; status: number; ms: number },
): void {
  const dimensions = dimensionsOf(request.route);
  metrics.add("Requests", 1, dimensions);
  metrics.add("ClientErrors", request.status >= 400 && request.status < 500 ? 1 : 0, dimensions);
  metrics.add("ServerErrors", request.status >= 500 ? 1 : 0, dimensions);
  metrics.add("Latency", request.ms, dimensions);
  if (request.status === 429 && request.route === LINK_ROUTE) metrics.add("LinkOutcomes", 1, RATE_LIMITED);
}
