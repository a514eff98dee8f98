import type { LinkJob } from "#src/domain/link-job.ts";
import { copyOf } from "./memory-lists.ts";
import type { LinkJobStore } from "./ports.ts";

/** LinkJobStore in memory, for unit tests of the services (the double of dynamo-link-jobs.ts). */
export function memoryLinkJobStore(): LinkJobStore {
  const jobs = new Map<string, { job: LinkJob; dueAt: string }>();
  return {
    async create(job, dueAt) {
      if (!jobs.has(job.id)) jobs.set(job.id, { job: copyOf(job), dueAt });
    },
    async get(id) {
      const entry = jobs.get(id);
      return entry ? copyOf(entry.job) : null;
    },
    async claim(id, now, leaseUntil) {
      const entry = jobs.get(id);
      if (!entry) return null;
      if (entry.job.leaseUntil !== undefined && entry.job.leaseUntil > now.toISOString()) return null;
      entry.job.leaseUntil = leaseUntil;
      entry.dueAt = leaseUntil;
      return copyOf(entry.job);
    },
    async progress(id, cursor, leaseUntil) {
      const entry = jobs.get(id);
      if (!entry) return;
      if (cursor === undefined) delete entry.job.cursor;
      else entry.job.cursor = cursor;
      entry.job.leaseUntil = leaseUntil;
      entry.dueAt = leaseUntil;
    },
    async finish(id) {
      jobs.delete(id);
    },
    async listDue(now, limit) {
      return [...jobs.values()]
        .filter(({ dueAt }) => dueAt < now.toISOString())
        .sort((a, b) => (a.dueAt < b.dueAt ? -1 : 1))
        .slice(0, limit)
        .map(({ job }) => job.id);
    },
  };
}
