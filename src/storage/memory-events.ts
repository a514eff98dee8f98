import type { AccessEvent } from "#src/domain/access-event.ts";
import { copyOf, pageOf } from "./memory-lists.ts";
import type { EventStore } from "./ports.ts";

/**
 * EventStore in memory, for unit tests. It copies what the DynamoDB store does (src/storage/
 * dynamo-events.ts): an event is written once (a redelivered record changes nothing); a link's
 * list is newest first, and an outcome filter applies after the page is cut, as a Query's
 * FilterExpression does, so a page may come back short; a product's events come from its index's
 * sort key alone (time, kind, outcome, client class, country, client id), without link or owner.
 * Expired events stay until DynamoDB's TTL would delete them, which tests drive on the stand-in.
 */
export function memoryEventStore(): EventStore {
  const events = new Map<string, AccessEvent>();
  const sortKey = (event: AccessEvent) => `${event.at}#${event.id}`;
  const ofLink = (linkId: string) => [...events.values()].filter((event) => event.linkId === linkId);

  return {
    async put(event) {
      const key = `${event.linkId}#${sortKey(event)}`;
      if (!events.has(key)) events.set(key, copyOf(event));
    },

    async listByLink(linkId, query) {
      const page = pageOf(
        `events:${linkId}`,
        ofLink(linkId).map((event): [string, AccessEvent] => [sortKey(event), event]),
        { limit: query.limit, cursor: query.cursor },
      );
      return {
        items: query.outcome ? page.items.filter((event) => event.outcome === query.outcome) : page.items,
        nextCursor: page.nextCursor,
      };
    },

    async since(scope, since, max) {
      const from = since.toISOString();
      const chosen =
        "linkId" in scope
          ? ofLink(scope.linkId)
          : [...events.values()].filter((event) => event.productId === scope.productId);
      return chosen
        .filter((event) => event.at >= from)
        .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1))
        .slice(0, max)
        .map((event) =>
          "linkId" in scope
            ? copyOf(event)
            : {
                id: event.id,
                linkId: "",
                ownerId: "",
                productId: event.productId,
                at: event.at,
                kind: event.kind,
                ...(event.outcome ? { outcome: event.outcome } : {}),
                ...(event.client ? { client: { class: event.client.class } } : {}),
                ...(event.country ? { country: event.country } : {}),
                ...(event.clientId ? { clientId: event.clientId } : {}),
              },
        );
    },
  };
}
