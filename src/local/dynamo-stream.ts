import type { AttributeValue, DynamoDBRecord } from "aws-lambda";

/** What the patched dynalite reports after each write that changed an item (patches/dynalite+4.0.0.patch). */
export interface DynaliteChange {
  tableName: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  keys: Record<string, AttributeValue>;
  oldImage?: Record<string, AttributeValue>;
  newImage?: Record<string, AttributeValue>;
}

export type StreamListener = (record: DynamoDBRecord) => void;

/**
 * The stand-in's change stream: DynamoDB Streams records (view type NEW_AND_OLD_IMAGES) in write
 * order, one shard. Sequence numbers grow strictly, as a shard's do; records live in memory only
 * (a restarted stand-in starts a new shard, as a re-enabled stream would).
 */
export function dynamoStream(options: { region: string; accountId?: string }) {
  const listeners = new Set<StreamListener>();
  const startedAt = Date.now();
  let sequence = 0;
  const shard = `shardId-${String(startedAt).padStart(20, "0")}`;

  const record = (change: DynaliteChange): DynamoDBRecord => {
    sequence++;
    const sequenceNumber = `${String(startedAt).padStart(13, "0")}${String(sequence).padStart(12, "0")}`;
    const streamArn = `arn:aws:dynamodb:${options.region}:${options.accountId ?? "000000000000"}:table/${change.tableName}/stream/${new Date(startedAt).toISOString().replace(/Z$/, "")}`;
    return {
      eventID: `${shard}-${sequence}`,
      eventName: change.eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: options.region,
      eventSourceARN: streamArn,
      dynamodb: {
        // Seconds, as AWS sends it (a whole number there; kept whole here too)
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: change.keys,
        ...(change.newImage ? { NewImage: change.newImage } : {}),
        ...(change.oldImage ? { OldImage: change.oldImage } : {}),
        SequenceNumber: sequenceNumber,
        SizeBytes: Buffer.byteLength(JSON.stringify([change.keys, change.newImage, change.oldImage])),
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    };
  };

  return {
    /** dynalite's onChange option: called inside the item's lock, right after the write. */
    onChange(change: DynaliteChange): void {
      if (listeners.size === 0) return;
      const built = record(change);
      for (const listener of listeners) listener(built);
    },
    subscribe(listener: StreamListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type DynamoStream = ReturnType<typeof dynamoStream>;
