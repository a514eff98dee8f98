import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { Item } from "./dynamo-table.ts";

/** One change of one item, as a DynamoDB Streams record (NEW_AND_OLD_IMAGES) tells it. */
export interface TableChange {
  /** The record's id: stable across redeliveries of the record. */
  eventId: string;
  /** What a partial-batch failure names (the record's SequenceNumber). */
  sequenceNumber: string;
  kind: "INSERT" | "MODIFY" | "REMOVE";
  pk: string;
  sk: string;
  before?: Item;
  after?: Item;
}

type Image = Record<string, AttributeValue>;

/** Reads a stream record into plain items (the record's AttributeValues share the SDK's shape). */
export function changeOf(record: DynamoDBRecord): TableChange {
  const stream = record.dynamodb ?? {};
  const keys = unmarshall((stream.Keys ?? {}) as Image);
  return {
    eventId: record.eventID ?? stream.SequenceNumber ?? "",
    sequenceNumber: stream.SequenceNumber ?? "",
    kind: record.eventName ?? "MODIFY",
    pk: String(keys.pk ?? ""),
    sk: String(keys.sk ?? ""),
    ...(stream.OldImage ? { before: unmarshall(stream.OldImage as Image) } : {}),
    ...(stream.NewImage ? { after: unmarshall(stream.NewImage as Image) } : {}),
  };
}
