import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { DynamoStream } from "./dynamo-stream.ts";

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  /** Largest batch handed to the handler (the event source mapping's BatchSize). */
  batchSize?: number;
  /** How long records gather before a batch goes out (MaximumBatchingWindowInSeconds, in ms). */
  batchingWindowMs?: number;
  /** Retries of a failing batch before its records go to the failure destination (MaximumRetryAttempts). */
  maxRetries?: number;
  /** Wait before the first retry; doubled on each next one. */
  retryDelayMs?: number;
  /** The on-failure destination (the DLQ in AWS): records given up on. */
  onFailure(records: DynamoDBRecord[], reason: string): void;
}

/**
 * The local event source mapping: reads the stand-in's stream and invokes the consumer the way
 * Lambda does with ReportBatchItemFailures on one shard. Batches go out one at a time, in stream
 * order, so the records of one item key are handled in write order. When the handler reports
 * failures, the batch is retried from the earliest failed record (the records after it come
 * again, as in AWS: consumers must be idempotent); a batch that throws is retried whole. After
 * maxRetries the remaining records go to onFailure and the stream moves on.
 */
export function pollStream(stream: DynamoStream, handler: StreamHandler, options: StreamPollerOptions) {
  const batchSize = options.batchSize ?? 100;
  const windowMs = options.batchingWindowMs ?? 20;
  const maxRetries = options.maxRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const pending: DynamoDBRecord[] = [];
  let running: Promise<void> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const idleWaiters: Array<() => void> = [];

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

  async function deliver(batch: DynamoDBRecord[]): Promise<void> {
    let records = batch;
    for (let attempt = 0; records.length > 0; attempt++) {
      let failedFrom: number;
      let reason: string;
      try {
        const response = await handler({ Records: records });
        const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        if (failed.size === 0) return;
        failedFrom = records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ""));
        // An identifier that names no record of the batch fails the whole batch, as in AWS
        if (failedFrom < 0) failedFrom = 0;
        reason = `handler reported ${failed.size} failed record(s)`;
      } catch (error) {
        failedFrom = 0;
        reason = `handler threw: ${(error as Error).message}`;
      }
      records = records.slice(failedFrom);
      if (attempt >= maxRetries) {
        options.onFailure(records, reason);
        return;
      }
      await sleep(retryDelayMs * 2 ** attempt);
      if (stopped) return;
    }
  }

  async function run(): Promise<void> {
    while (pending.length > 0 && !stopped) {
      await deliver(pending.splice(0, batchSize));
    }
    running = undefined;
    if (pending.length === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  }

  const schedule = () => {
    if (running || timer || stopped) return;
    if (pending.length >= batchSize) {
      running = run();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      if (!running) running = run();
    }, windowMs);
  };

  const unsubscribe = stream.subscribe((record) => {
    pending.push(record);
    schedule();
  });

  return {
    /** Resolves once every record received so far has been handled (or given up on). */
    idle(): Promise<void> {
      if (pending.length === 0 && !running && !timer) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await running;
      for (const resolve of idleWaiters.splice(0)) resolve();
    },
  };
}

export type StreamPoller = ReturnType<typeof pollStream>;
