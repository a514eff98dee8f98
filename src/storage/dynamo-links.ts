import {
  type AttributeValue,
  ConditionalCheckFailedException,
  paginateScan,
  ScanCommand,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { LinkHit } from "#src/domain/access-event.ts";
import {
  type DownloadHit,
  epochSeconds,
  type GraceSlot,
  graceSlotOf,
  type PassphraseLock,
} from "#src/domain/download-hit.ts";
import { editableLinkFields, type Link, type LinkChanges } from "#src/domain/link.ts";
import { callDependency } from "./dependency-errors.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { HitFlush, LinkStore, Page, PageRequest } from "./ports.ts";

const SK = "LINK";
const pkOf = (id: string) => `LINK#${id}`;

const productPk = (productId: string) => `PRODUCT#${productId}`;
const ownerLinksPk = (ownerId: string) => `OWNER_LINKS#${ownerId}`;
/** The uniqueness item of an owner's externalId: written conditionally before the link. */
const externalIdPk = (ownerId: string, externalId: string) => `LINK_EXTERNAL_ID#${ownerId}#${externalId}`;
const EXTERNAL_ID_SK = "LINK_EXTERNAL_ID";
/** Index keys per query of a filtered walk (each read in full by one BatchGetItem). */
const SCAN_PAGE = 100;
/** A pointer to a link that is not revoked, in its product's partition; deleted when it is revoked. */
const pointerSk = (ownerId: string, id: string) => `LINK#${ownerId}#${id}`;
/** How many links an owner holds to a product that are not revoked (must not start with "LINK#"). */
const slotsSk = (ownerId: string) => `ACTIVE_LINKS#${ownerId}`;

/**
 * The gateway's one round trip per hit (src/gateway/decide-hit.ts states the same rule as
 * `countsOn`): count only an active link, a limited one only on a POST, and not for a client
 * inside its grace (or whose own write already applied: a retry). The slot of that client is
 * set only by a counted hit, so the grace never slides. A passphrase, an allow-list of networks
 * and a device limit are counted on only when the gateway checked them on the item (`checked`):
 * the condition pins what it checked, and a device limit binds the client here, atomically.
 */
function hitCondition(slot: number, hit: DownloadHit): string {
  const checked = hit.checked ?? {};
  return [
    "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
    "(attribute_not_exists(expiresAt) OR expiresAt > :now)",
    hit.method === "POST"
      ? "(attribute_not_exists(maxDownloads) OR downloadCount < maxDownloads)"
      : "attribute_not_exists(maxDownloads) AND attribute_not_exists(maxClients) AND attribute_not_exists(passphraseHash)",
    checked.passphraseHash ? "passphraseHash = :passphrase" : "attribute_not_exists(passphraseHash)",
    // The same set of blocks as checked (lists are deduplicated on the way in): a size and a
    // contains() each, since DynamoDB's = on lists is not in every stand-in.
    checked.allowedNetworks
      ? [
          "size(allowedNetworks) = :networkCount",
          ...checked.allowedNetworks.map((_, index) => `contains(allowedNetworks, :network${index})`),
        ].join(" AND ")
      : "attribute_not_exists(allowedNetworks)",
    checked.bindClient
      ? "attribute_exists(maxClients) AND (contains(boundClients, :client) OR " +
        "attribute_not_exists(boundClients) OR size(boundClients) < maxClients)"
      : "attribute_not_exists(maxClients)",
    `NOT (gc${slot} = :client AND (gu${slot} > :t OR gr${slot} = :request))`,
  ].join(" AND ");
}

/** The values the checks add to the hit's condition and update (see hitCondition). */
function checkValues(hit: DownloadHit): Record<string, AttributeValue> {
  const checked = hit.checked ?? {};
  const values: Record<string, AttributeValue> = {};
  if (checked.passphraseHash) values[":passphrase"] = { S: checked.passphraseHash };
  if (checked.allowedNetworks) {
    values[":networkCount"] = { N: String(checked.allowedNetworks.length) };
    checked.allowedNetworks.forEach((network, index) => {
      values[`:network${index}`] = { S: network };
    });
  }
  if (checked.bindClient) values[":clients"] = { SS: [hit.client] };
  return values;
}

/** The grace slots' attributes (gc0, gu0, gr0, …) stay in storage: the Link never carries them. */
const SLOT_ATTRIBUTE = /^g[cur]\d$/;

/**
 * The counted hit as a map attribute, built by hand (the hit skips marshall()): the client is the
 * gateway's same-client key (src/gateway/same-client.ts), never an address. The table's stream
 * turns each change of it into a download event (ADR 021).
 */
function lastHitAttribute(hit: {
  now: Date;
  client: string;
  userAgent?: string;
  country?: string;
}): AttributeValue {
  const fields: Record<string, AttributeValue> = {
    at: { S: hit.now.toISOString() },
    clientId: { S: hit.client },
    outcome: { S: "granted" },
  };
  if (hit.userAgent) fields.userAgent = { S: hit.userAgent };
  if (hit.country) fields.country = { S: hit.country };
  return { M: fields };
}

/** The flushed hits' summary, as the access log's `lastHit` shape wants it. */
const flushedHit = (flush: HitFlush) => ({
  now: new Date(flush.lastHit.at),
  client: flush.lastHit.clientId,
  ...(flush.lastHit.userAgent ? { userAgent: flush.lastHit.userAgent } : {}),
  ...(flush.lastHit.country ? { country: flush.lastHit.country } : {}),
});

/** Each instance's last applied flush of a hot link (`hf`, ADR 024). */
function flushesOf(item: Item): Record<string, number> {
  const map = item.hf;
  if (!map || typeof map !== "object") return {};
  return Object.fromEntries(
    Object.entries(map as Record<string, unknown>).filter(
      (entry): entry is [string, number] => typeof entry[1] === "number",
    ),
  );
}

const isMissingDocumentPath = (error: unknown) =>
  error instanceof Error &&
  error.name === "ValidationException" &&
  /document path provided in the update expression is invalid/i.test(error.message);

/** At most one refusal per link per second is written: hammering a dead link costs little. */
const REFUSAL_LOG_INTERVAL_MS = 1000;

function toLink(item: Item): Link {
  const record = recordOf<Link & Record<string, unknown>>(item);
  for (const name of Object.keys(record)) if (SLOT_ATTRIBUTE.test(name)) delete record[name];
  delete record.hf;
  // A string set on the item (ADD binds a client atomically); an array on the Link.
  if (record.boundClients instanceof Set) record.boundClients = [...record.boundClients].sort();
  return record;
}

function slotOf(item: Item, slot: number): GraceSlot | undefined {
  const client = item[`gc${slot}`];
  const until = item[`gu${slot}`];
  const request = item[`gr${slot}`];
  if (typeof client !== "string" || typeof until !== "number" || typeof request !== "string")
    return undefined;
  return { client, until, request };
}

/**
 * Counts a passphrase attempt in the link's current window (PassphraseLock.windowSeconds from the
 * first one): at most `maxAttempts` are counted per window, each by a conditional write, so
 * concurrent guesses cannot get more hashed than that. Null when there is no such link.
 */
async function passphraseAttempt(
  table: DynamoTable,
  pk: string,
  now: Date,
  lock: PassphraseLock,
  triesLeft: number,
): Promise<{ counted: boolean; fails: number; since: number } | null> {
  const t = epochSeconds(now);
  const key = { pk: { S: pk }, sk: { S: SK } };
  try {
    const counted = await callDependency("dynamodb", () =>
      table.client.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: key,
          UpdateExpression: "SET passphraseFails = passphraseFails + :one",
          ConditionExpression:
            "attribute_exists(pk) AND passphraseFailsSince > :windowStart AND passphraseFails < :max",
          ExpressionAttributeValues: {
            ":one": { N: "1" },
            ":windowStart": { N: String(t - lock.windowSeconds) },
            ":max": { N: String(lock.maxAttempts) },
          },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    const item = unmarshall(counted.Attributes ?? {});
    return { counted: true, fails: Number(item.passphraseFails), since: Number(item.passphraseFailsSince) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = error.Item ? unmarshall(error.Item) : undefined;
    if (!old) return null;
    if (typeof old.passphraseFailsSince === "number" && old.passphraseFailsSince > t - lock.windowSeconds) {
      // Still inside the window with every attempt used: locked.
      return {
        counted: false,
        fails: Number(old.passphraseFails ?? lock.maxAttempts),
        since: old.passphraseFailsSince,
      };
    }
  }
  // No window yet, or the last one is over: this attempt opens a new one.
  const opened = await table.update(pk, SK, {
    expression: "SET passphraseFails = :one, passphraseFailsSince = :t",
    condition:
      "attribute_exists(pk) AND (attribute_not_exists(passphraseFailsSince) OR passphraseFailsSince <= :windowStart)",
    values: { ":one": 1, ":t": t, ":windowStart": t - lock.windowSeconds },
  });
  if (opened) return { counted: true, fails: 1, since: t };
  // Another attempt opened it a moment ago: count this one in it.
  if (triesLeft <= 0) throw new Error("the passphrase window kept changing under an attempt count");
  return passphraseAttempt(table, pk, now, lock, triesLeft - 1);
}

export function dynamoLinkStore(table: DynamoTable): LinkStore {
  const page = async (
    index: "gsi1" | "gsi2",
    partition: string,
    request: PageRequest,
  ): Promise<Page<Link>> => {
    const result = await table.query(index, partition, request);
    return { items: result.items.map(toLink), nextCursor: result.nextCursor };
  };

  /**
   * Revokes the link if it is not yet: the conditional write succeeds once, so only the revoker
   * that made it gives the slot back. Null when the link does not exist.
   */
  const revokeOne = async (id: string, revokedBy: string, now: Date, rotated?: boolean) => {
    const item = await table.update(pkOf(id), SK, {
      // `rotated` rides in the revocation's write: the stream tells a rotation from a revocation.
      expression: `SET revokedAt = :now, revokedBy = :by${rotated ? ", rotated = :rotated" : ""}`,
      condition: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
      values: { ":now": now.toISOString(), ":by": revokedBy, ...(rotated ? { ":rotated": true } : {}) },
    });
    if (item) return { link: toLink(item), freesSlot: item.holdsSlot === true };
    const existing = await table.get(pkOf(id), SK);
    return existing ? { link: toLink(existing), freesSlot: false } : null;
  };

  /**
   * Deletes the pointers of revoked links (so no walk meets them again) and gives back the slots
   * their revocation freed, one update per owner and product. A crash before the slot update
   * keeps it taken (fails closed: the owner may hold one link fewer).
   */
  const release = async (revoked: Array<{ link: Link; freesSlot: boolean }>) => {
    await table.deleteMany(
      revoked.map(({ link }) => ({ pk: productPk(link.productId), sk: pointerSk(link.ownerId, link.id) })),
    );
    const freed = new Map<string, { productId: string; ownerId: string; count: number }>();
    for (const { link, freesSlot } of revoked) {
      if (!freesSlot) continue;
      const key = `${link.productId}\u0000${link.ownerId}`;
      const entry = freed.get(key) ?? { productId: link.productId, ownerId: link.ownerId, count: 0 };
      entry.count++;
      freed.set(key, entry);
    }
    await Promise.all(
      [...freed.values()].map(({ productId, ownerId, count }) =>
        table.update(productPk(productId), slotsSk(ownerId), {
          expression: "ADD activeLinks :minus",
          condition: "activeLinks >= :count",
          values: { ":minus": -count, ":count": count },
        }),
      ),
    );
  };

  return {
    async put(link, maxActive, options = {}) {
      // Take a slot first: one conditional update on one item holds the limit under any
      // concurrency. A crash before the link is written keeps the slot taken (fails closed).
      const slot = await table.update(productPk(link.productId), slotsSk(link.ownerId), {
        expression: "ADD activeLinks :one",
        condition: "attribute_not_exists(activeLinks) OR activeLinks < :max",
        values: { ":one": 1, ":max": maxActive },
      });
      if (!slot) return false;
      if (link.externalId !== undefined) {
        // One conditional put holds uniqueness under any concurrency; a rotation hands it over.
        const taken = await table.put(
          { pk: externalIdPk(link.ownerId, link.externalId), sk: EXTERNAL_ID_SK, linkId: link.id },
          {
            expression: "attribute_not_exists(pk) OR linkId = :id OR linkId = :from",
            values: { ":id": link.id, ":from": options.externalIdFrom ?? link.id },
          },
        );
        if (!taken) {
          await table.update(productPk(link.productId), slotsSk(link.ownerId), {
            expression: "ADD activeLinks :minus",
            condition: "activeLinks >= :one",
            values: { ":minus": -1, ":one": 1 },
          });
          return "externalIdTaken";
        }
      }
      const sortKey = `${link.createdAt}#${link.id}`;
      // The product's partition keeps a pointer to each of its links that is not revoked, so
      // refunds and deletes find them with a strongly consistent query (an index lags). Written
      // before the link: a pointer without its link is harmless, a link without its pointer is not.
      await table.put({
        pk: productPk(link.productId),
        sk: pointerSk(link.ownerId, link.id),
        linkId: link.id,
      });
      await table.put(
        {
          pk: pkOf(link.id),
          sk: SK,
          gsi1pk: ownerLinksPk(link.ownerId),
          gsi1sk: sortKey,
          gsi2pk: `PRODUCT_LINKS#${link.productId}`,
          gsi2sk: sortKey,
          // Links made before slots existed hold none, and give none back when revoked.
          holdsSlot: true,
          ...link,
          // A string set, which the hit's ADD extends (an empty set cannot be stored).
          boundClients: link.boundClients?.length ? new Set(link.boundClients) : undefined,
        },
        { expression: "attribute_not_exists(pk)" },
      );
      return true;
    },

    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? toLink(item) : null;
    },

    async *eachLink() {
      const pages = paginateScan(
        { client: table.client },
        {
          TableName: table.tableName,
          FilterExpression: "begins_with(pk, :link) AND sk = :sk",
          ExpressionAttributeValues: { ":link": { S: "LINK#" }, ":sk": { S: "LINK" } },
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) yield toLink(unmarshall(item));
    },

    async scanLinks(request, match) {
      // A position is the table key of the last item read: DynamoDB resumes a Scan after any key.
      const keyOf = (item: Record<string, unknown>) => JSON.stringify([item.pk, item.sk]);
      const startOf = (position: string) => {
        const [pk, sk] = JSON.parse(position) as [string, string];
        return marshall({ pk, sk });
      };
      const items: Link[] = [];
      let examined = 0;
      let start = request.after === undefined ? undefined : startOf(request.after);
      while (examined < request.budget) {
        // Limit counts the items read, the links and everything else the table holds.
        const page = await callDependency("dynamodb", () =>
          table.client.send(
            new ScanCommand({
              TableName: table.tableName,
              Limit: request.budget - examined,
              ExclusiveStartKey: start,
              FilterExpression: "begins_with(pk, :link) AND sk = :sk",
              ExpressionAttributeValues: { ":link": { S: "LINK#" }, ":sk": { S: SK } },
            }),
          ),
        );
        examined += page.ScannedCount ?? request.budget - examined;
        for (const raw of page.Items ?? []) {
          const link = toLink(unmarshall(raw));
          if (match(link)) items.push(link);
          if (items.length >= request.limit) return { items, next: keyOf(unmarshall(raw)) };
        }
        if (!page.LastEvaluatedKey) return { items };
        start = page.LastEvaluatedKey;
      }
      return { items, next: start && keyOf(unmarshall(start)) };
    },

    async getByExternalId(ownerId, externalId) {
      const pointer = await table.get(externalIdPk(ownerId, externalId), EXTERNAL_ID_SK);
      if (!pointer) return null;
      const link = await this.get(String(pointer.linkId));
      return link && link.ownerId === ownerId ? link : null;
    },

    async scanOwnerLinks(ownerId, request, match) {
      const partition = ownerLinksPk(ownerId);
      const keysAt = (position: string) => {
        const id = position.slice(position.lastIndexOf("#") + 1);
        return { pk: pkOf(id), sk: SK, gsi1pk: partition, gsi1sk: position };
      };
      const items: Link[] = [];
      let examined = 0;
      let start = request.after === undefined ? undefined : keysAt(request.after);
      while (examined < request.budget) {
        const page = await table.queryAfter(
          "gsi1",
          partition,
          Math.min(SCAN_PAGE, request.budget - examined),
          start,
        );
        for (const item of page.items) {
          examined++;
          const link = toLink(item);
          if (match(link)) items.push(link);
          if (items.length >= request.limit) return { items, next: String(item.gsi1sk) };
        }
        if (!page.last) return { items };
        start = keysAt(page.last.gsi1sk ?? "");
      }
      return { items, next: start?.gsi1sk };
    },

    async hit(id, hit) {
      const slot = graceSlotOf(hit.client);
      // Hand-built attribute values: this runs on every download, so it skips marshall().
      const values: Record<string, AttributeValue> = {
        ":one": { N: "1" },
        ":now": { S: hit.now.toISOString() },
        ":t": { N: String(epochSeconds(hit.now)) },
        ":client": { S: hit.client },
        ":request": { S: hit.requestId },
        ":grace": { N: String(hit.defaultGraceSeconds) },
        ":hit": lastHitAttribute(hit),
        ...checkValues(hit),
      };
      let result: UpdateItemCommandOutput;
      try {
        result = await callDependency("dynamodb", () =>
          table.client.send(
            new UpdateItemCommand({
              TableName: table.tableName,
              Key: { pk: { S: pkOf(id) }, sk: { S: SK } },
              UpdateExpression:
                "SET downloadCount = downloadCount + :one, lastDownloadAt = :now, lastHit = :hit, " +
                `gc${slot} = :client, gu${slot} = if_not_exists(graceSeconds, :grace) + :t, gr${slot} = :request` +
                (hit.checked?.bindClient ? " ADD boundClients :clients" : "") +
                // A right passphrase clears the attempts counted before it.
                (hit.checked?.passphraseHash ? " REMOVE passphraseFails, passphraseFailsSince" : ""),
              ConditionExpression: hitCondition(slot, hit),
              ExpressionAttributeValues: values,
              ReturnValues: "ALL_NEW",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = error.Item ? unmarshall(error.Item) : undefined;
        return {
          counted: false,
          link: item ? toLink(item) : null,
          slot: item ? slotOf(item, slot) : undefined,
        };
      }
      if (!result.Attributes) throw new Error("UpdateItem counted a download but returned no item");
      return { counted: true, link: toLink(unmarshall(result.Attributes)) };
    },

    async recordRefusal(id, hit: LinkHit) {
      const cutoff = new Date(Date.parse(hit.at) - REFUSAL_LOG_INTERVAL_MS).toISOString();
      const item = await table.update(pkOf(id), SK, {
        expression: "SET lastRefusal = :hit",
        condition:
          "attribute_exists(pk) AND (attribute_not_exists(lastRefusal) OR lastRefusal.#at < :cutoff)",
        values: { ":hit": hit, ":cutoff": cutoff },
        names: { "#at": "at" },
      });
      return item !== null;
    },

    async flushHits(id, flush) {
      // `hf` maps each instance to the number of its last applied flush: a retry of an applied
      // flush finds its number there and is refused. The map is created by the first flush.
      const names: Record<string, string> = { "#inst": flush.instance };
      const forget = (flush.forget ?? []).filter((instance) => instance !== flush.instance);
      forget.forEach((instance, index) => {
        names[`#f${index}`] = instance;
      });
      const values: Record<string, AttributeValue> = {
        ":n": { N: String(flush.count) },
        ":at": { S: flush.lastHit.at },
        ":hit": {
          M: { ...(lastHitAttribute(flushedHit(flush)).M ?? {}), count: { N: String(flush.count) } },
        },
      };
      const sequence: AttributeValue = { N: String(flush.sequence) };
      const send = (create: boolean) =>
        callDependency("dynamodb", () =>
          table.client.send(
            new UpdateItemCommand({
              TableName: table.tableName,
              Key: { pk: { S: pkOf(id) }, sk: { S: SK } },
              UpdateExpression:
                "ADD downloadCount :n SET lastDownloadAt = :at, lastHit = :hit, " +
                (create
                  ? "hf = :first"
                  : `hf.#inst = :seq${forget.length ? ` REMOVE ${forget.map((_, i) => `hf.#f${i}`).join(", ")}` : ""}`),
              ConditionExpression: create
                ? "attribute_exists(pk) AND attribute_not_exists(hf)"
                : "attribute_exists(pk) AND (attribute_not_exists(hf.#inst) OR hf.#inst < :seq)",
              ExpressionAttributeNames: create ? undefined : names,
              ExpressionAttributeValues: create
                ? { ...values, ":first": { M: { [flush.instance]: sequence } } }
                : { ...values, ":seq": sequence },
              ReturnValues: "ALL_NEW",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          ),
        );
      for (const create of [false, true, false]) {
        try {
          const result = await send(create);
          if (!result.Attributes) throw new Error("UpdateItem flushed hits but returned no item");
          const item = unmarshall(result.Attributes);
          return { outcome: "applied", link: toLink(item), flushes: flushesOf(item) };
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) {
            if (!error.Item) return { outcome: "gone" };
            const item = unmarshall(error.Item);
            const applied = flushesOf(item)[flush.instance];
            if (applied !== undefined && applied >= flush.sequence)
              return { outcome: "duplicate", link: toLink(item), flushes: flushesOf(item) };
            continue; // the map appeared meanwhile: the nested write again
          }
          // The link has no map yet: DynamoDB refuses a nested path under a missing attribute.
          if (!create && isMissingDocumentPath(error)) continue;
          throw error;
        }
      }
      throw new Error("the hit flush found neither the instance map nor its absence");
    },

    async countPassphraseAttempt(id, now, lock) {
      return passphraseAttempt(table, pkOf(id), now, lock, 2);
    },

    async resetClients(id) {
      const item = await table.update(pkOf(id), SK, {
        expression: "REMOVE boundClients",
        condition: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
      });
      return item ? toLink(item) : null;
    },

    listByOwner: (ownerId, request) => page("gsi1", ownerLinksPk(ownerId), request),

    async pageActiveIds(productId, ownerId, request) {
      const result = await table.query(undefined, productPk(productId), request, {
        ascending: true,
        sortKeyPrefix: ownerId === undefined ? "LINK#" : `LINK#${ownerId}#`,
      });
      return { items: result.items.map((item) => String(item.linkId)), nextCursor: result.nextCursor };
    },
    listByProduct: (productId, request) => page("gsi2", `PRODUCT_LINKS#${productId}`, request),

    async update(id, changes: LinkChanges) {
      const sets: string[] = [];
      const removes: string[] = [];
      const values: Item = {};
      const names: Record<string, string> = {};
      for (const field of editableLinkFields) {
        const value = changes[field];
        if (value === undefined) continue;
        names[`#${field}`] = field;
        if (value === null) removes.push(`#${field}`);
        else {
          sets.push(`#${field} = :${field}`);
          values[`:${field}`] = value;
        }
      }
      if (sets.length === 0 && removes.length === 0) {
        const current = await this.get(id);
        return current && !current.revokedAt ? current : null;
      }
      // A new or removed passphrase starts with no wrong attempts counted against it.
      if (changes.passphraseHash !== undefined) removes.push("passphraseFails", "passphraseFailsSince");
      const expression = [
        sets.length ? `SET ${sets.join(", ")}` : "",
        removes.length ? `REMOVE ${removes.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      const item = await table.update(pkOf(id), SK, {
        expression,
        condition: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
        values: Object.keys(values).length ? values : undefined,
        names,
      });
      return item ? toLink(item) : null;
    },

    async revoke(id, revokedBy, now, rotated) {
      const revoked = await revokeOne(id, revokedBy, now, rotated);
      if (revoked) await release([revoked]);
      return revoked?.link ?? null;
    },

    async revokeMany(ids, revokedBy, now) {
      const revoked = await Promise.all(ids.map((id) => revokeOne(id, revokedBy, now)));
      await release(revoked.filter((entry) => entry !== null));
    },

    async retarget(id, target) {
      await table.update(pkOf(id), SK, {
        expression: `SET objectKey = :key, defaultFilename = :name, productTitle = :title${
          target.fileSize === undefined ? "" : ", fileSize = :size"
        }`,
        condition:
          "attribute_exists(pk) AND attribute_not_exists(revokedAt) " +
          "AND (objectKey <> :key OR defaultFilename <> :name OR productTitle <> :title" +
          `${target.fileSize === undefined ? "" : " OR attribute_not_exists(fileSize) OR fileSize <> :size"})`,
        values: {
          ":key": target.objectKey,
          ":name": target.defaultFilename,
          ":title": target.productTitle,
          ...(target.fileSize === undefined ? {} : { ":size": target.fileSize }),
        },
      });
    },
  };
}
