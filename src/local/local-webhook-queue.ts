import type { DeliveryJob, WebhookQueue } from "#src/app-deps.ts";

/** When to run something: real timers, or a test's clock it moves by hand. */
export interface Scheduler {
  now(): Date;
  after(ms: number, run: () => void): void;
}

export const realScheduler: Scheduler = {
  now: () => new Date(),
  after: (ms, run) => {
    setTimeout(run, ms).unref();
  },
};

/**
 * A clock a test moves by hand: `advance(ms)` runs, in time order, whatever falls due, so a
 * 27-hour retry schedule takes milliseconds.
 */
export function manualScheduler(start = new Date()) {
  let now = start.getTime();
  const due: Array<{ at: number; run: () => void; order: number }> = [];
  let order = 0;
  return {
    now: () => new Date(now),
    after(ms: number, run: () => void) {
      due.push({ at: now + ms, run, order: order++ });
    },
    /** Moves the clock forward, running each due job at its time; resolves after they settled. */
    async advance(ms: number, settle: () => Promise<void>) {
      const end = now + ms;
      for (;;) {
        due.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = due[0];
        if (!next || next.at > end) break;
        due.shift();
        now = Math.max(now, next.at);
        next.run();
        await settle();
      }
      now = end;
    },
    pending: () => due.length,
  };
}

/**
 * The local delivery queue: jobs wait in process for their delay (the same schedule SQS keeps in
 * AWS), then run the handler. Waiting jobs are lost when the process stops; a restarted local
 * stack does not resume them (AWS's queue does).
 */
export function localWebhookQueue(scheduler: Scheduler = realScheduler) {
  let handler: ((job: DeliveryJob) => Promise<void>) | undefined;
  const running = new Set<Promise<void>>();
  let stopped = false;
  const queue: WebhookQueue & {
    start(run: (job: DeliveryJob) => Promise<void>): void;
    idle(): Promise<void>;
    stop(): Promise<void>;
  } = {
    async enqueue(job, delaySeconds) {
      scheduler.after(Math.max(0, delaySeconds) * 1000, () => {
        if (stopped || !handler) return;
        const run = handler(job).finally(() => running.delete(run));
        running.add(run);
      });
    },
    start(run) {
      handler = run;
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async stop() {
      stopped = true;
      await queue.idle();
    },
  };
  return queue;
}

export type LocalWebhookQueue = ReturnType<typeof localWebhookQueue>;
