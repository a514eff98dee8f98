import type { LinkJob } from "#src/domain/link-job.ts";
import { type DynamoTable, recordOf } from "./dynamo-table.ts";
import type { LinkJobStore } from "./ports.ts";

/** Job items start with this key: in AWS the table's stream starts the worker on their INSERT. */
export const LINK_JOB_KEY_PREFIX = "LINK_JOB#";
const SK = "LINK_JOB";
const pkOf = (id: string) => `${LINK_JOB_KEY_PREFIX}${id}`;
/** The index partition of jobs by when a worker should look at them next. */
const DUE_PARTITION = "LINK_JOBS_DUE";
const dueKey = (at: string, id: string) => `${at}#${id}`;

export function dynamoLinkJobStore(table: DynamoTable): LinkJobStore {
  return {
    async create(job, dueAt) {
      await table.put(
        { pk: pkOf(job.id), sk: SK, gsi1pk: DUE_PARTITION, gsi1sk: dueKey(dueAt, job.id), ...job },
        { expression: "attribute_not_exists(pk)" },
      );
    },
    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? recordOf<LinkJob>(item) : null;
    },
    async claim(id, now, leaseUntil) {
      const item = await table.update(pkOf(id), SK, {
        expression: "SET leaseUntil = :until, gsi1sk = :due",
        condition: "attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)",
        values: { ":until": leaseUntil, ":due": dueKey(leaseUntil, id), ":now": now.toISOString() },
      });
      return item ? recordOf<LinkJob>(item) : null;
    },
    async progress(id, cursor, leaseUntil) {
      await table.update(pkOf(id), SK, {
        expression:
          cursor === undefined
            ? "SET leaseUntil = :until, gsi1sk = :due REMOVE #cursor"
            : "SET leaseUntil = :until, gsi1sk = :due, #cursor = :cursor",
        condition: "attribute_exists(pk)",
        names: { "#cursor": "cursor" },
        values: {
          ":until": leaseUntil,
          ":due": dueKey(leaseUntil, id),
          ...(cursor === undefined ? {} : { ":cursor": cursor }),
        },
      });
    },
    async finish(id) {
      await table.delete(pkOf(id), SK);
    },
    async listDue(now, limit) {
      const page = await table.query(
        "gsi1",
        DUE_PARTITION,
        { limit },
        { ascending: true, sortKeyBelow: now.toISOString() },
      );
      return page.items.map((item) => String(item.id));
    },
  };
}
