import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { ADMIN_GROUP } from "#src/domain/scopes.ts";
import { ttlAttribute } from "#src/storage/table-definition.ts";
import { type CognitoStandIn, startCognitoStandIn } from "./cognito-stand-in.ts";
import { type DynamoStandIn, startDynamoStandIn } from "./dynamo-stand-in.ts";
import type { DynamoStream } from "./dynamo-stream.ts";
import type { Restartable } from "./pausable-server.ts";
import {
  addUserToGroup,
  createUser,
  ensureBucket,
  ensureGroup,
  ensureTable,
  ensureUser,
  ensureUserPool,
} from "./provision.ts";
import { S3_STAND_IN_REGION, type S3StandIn, s3StandInCredentials, startS3StandIn } from "./s3-stand-in.ts";

export interface LocalStack {
  /** Where the stand-ins keep their data (a temp dir, removed by stop(), when none was given). */
  dataDir: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dynamoEndpoint: string;
  tableName: string;
  s3Endpoint: string;
  bucket: string;
  cognito: {
    endpoint: string;
    userPoolId: string;
    clientId: string;
    issuer: string;
    jwksUri: string;
    authorizeUrl: string;
    tokenUrl: string;
    /** The cognito-local child process, so callers can check it is gone after stop(). */
    pid: number;
  };
  /** Stop a stand-in and start it again on the same port with the same data (fault tests). */
  restartable: { dynamo: Restartable; s3: Restartable };
  /** The DynamoDB stand-in's change stream (DynamoDB Streams records). */
  dynamoStream: DynamoStream;
  /** One pass of the stand-in's TTL over the table (`expiresAtEpoch`). */
  expireItems(now?: Date): Promise<number>;
  /** DynamoDB API calls the stand-in received so far, all or of one operation (tests count reads). */
  dynamoRequestCount(operation?: string): number;
  /** Calls the listener with each DynamoDB operation's name as it arrives; returns the unsubscribe. */
  onDynamoRequest(listener: (operation: string) => void): () => void;
  createUser(username: string, password: string): Promise<{ sub: string }>;
  /** Puts a user in a Cognito group of the pool (`admin` exists from the start). */
  addUserToGroup(username: string, groupName: string): Promise<void>;
  login(
    username: string,
    password: string,
  ): Promise<{ accessToken: string; idToken: string; refreshToken: string }>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Where everything persists; undefined = a temp dir removed on stop, DynamoDB in memory. */
  dataDir?: string;
  /** Origins the browser may call S3 from (CORS). */
  allowedOrigins: string[];
  /** Where the hosted login may redirect with the code. */
  callbackUrls: string[];
  logoutUrls?: string[];
  users?: Array<{ username: string; password: string; groups?: readonly string[] }>;
}

const region = S3_STAND_IN_REGION;
const tableName = "evergate";
const bucket = "evergate-files";

/**
 * Starts DynamoDB, S3 and Cognito stand-ins and provisions them like the CDK stack does. The app
 * reaches them with ordinary SDK clients pointed at the endpoints (S3 path-style).
 * If anything fails, what already started is stopped before the error is thrown.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? resolve(options.dataDir)
    : await mkdtemp(join(tmpdir(), "evergate-stack-"));
  const stops: Array<() => Promise<void>> = [];
  const clients: Array<{ destroy(): void }> = [];
  if (temporary) stops.push(() => rm(dataDir, { recursive: true, force: true }));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const client of clients) client.destroy();
      const errors: unknown[] = [];
      for (const stopOne of [...stops].reverse()) {
        try {
          await stopOne();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, "Local stack did not stop cleanly");
    })();
    return stopping;
  };

  try {
    const credentials = { ...s3StandInCredentials };
    const subdirectories = ["s3", "cognito", ...(temporary ? [] : ["dynamo"])];
    await Promise.all(subdirectories.map((dir) => mkdir(join(dataDir, dir), { recursive: true })));

    const remembered = <T extends { stop(): Promise<void> }>(standIn: T): T => {
      stops.push(standIn.stop);
      return standIn;
    };
    // allSettled, not all: a failure must not leave a sibling that is still starting unstopped
    const [dynamo, s3, cognito] = (await Promise.allSettled([
      startDynamoStandIn(temporary ? {} : { path: join(dataDir, "dynamo") }).then(remembered),
      startS3StandIn({ directory: join(dataDir, "s3") }).then(remembered),
      startCognitoStandIn({ directory: join(dataDir, "cognito") }).then(remembered),
    ]).then((results) =>
      results.map((result) => {
        if (result.status === "rejected") throw result.reason;
        return result.value;
      }),
    )) as [DynamoStandIn, S3StandIn, CognitoStandIn];

    const dynamoClient = new DynamoDBClient({ region, endpoint: dynamo.endpoint, credentials });
    const s3Client = new S3Client({
      region,
      endpoint: s3.endpoint,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    const cognitoClient = new CognitoIdentityProviderClient({
      region,
      endpoint: cognito.endpoint,
      credentials,
    });
    clients.push(dynamoClient, s3Client, cognitoClient);

    const [, , ids] = await Promise.all([
      ensureTable(dynamoClient, tableName),
      ensureBucket(s3Client, bucket, options.allowedOrigins),
      ensureUserPool(cognitoClient, {
        poolName: "evergate",
        clientName: "evergate-webapp",
        callbackUrls: options.callbackUrls,
        logoutUrls: options.logoutUrls ?? [],
        idsFile: join(dataDir, "cognito-ids.json"),
      }),
    ]);
    // The admin group, as the CDK stack's user pool has it (infra/constructs/auth.ts).
    await ensureGroup(cognitoClient, ids.userPoolId, ADMIN_GROUP, "Administrators: the admin API routes");
    await Promise.all(
      (options.users ?? []).map(async (user) => {
        await ensureUser(cognitoClient, ids.userPoolId, user.username, user.password);
        for (const group of user.groups ?? [])
          await addUserToGroup(cognitoClient, ids.userPoolId, user.username, group);
      }),
    );

    const issuer = `${cognito.endpoint}/${ids.userPoolId}`;
    return {
      dataDir,
      region,
      credentials,
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      s3Endpoint: s3.endpoint,
      bucket,
      cognito: {
        endpoint: cognito.endpoint,
        userPoolId: ids.userPoolId,
        clientId: ids.clientId,
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        authorizeUrl: `${cognito.endpoint}/oauth2/authorize`,
        tokenUrl: `${cognito.endpoint}/oauth2/token`,
        pid: cognito.pid,
      },
      restartable: { dynamo: dynamo.restartable, s3: s3.restartable },
      dynamoStream: dynamo.stream,
      expireItems: (now) => dynamo.expireItems(tableName, ttlAttribute, now),
      dynamoRequestCount: dynamo.requestCount,
      onDynamoRequest: dynamo.onRequest,
      createUser: (username, password) => createUser(cognitoClient, ids.userPoolId, username, password),
      addUserToGroup: (username, groupName) =>
        addUserToGroup(cognitoClient, ids.userPoolId, username, groupName),
      login: async (username, password) => {
        const { AuthenticationResult: result, ChallengeName } = await cognitoClient.send(
          new InitiateAuthCommand({
            AuthFlow: "USER_PASSWORD_AUTH",
            ClientId: ids.clientId,
            AuthParameters: { USERNAME: username, PASSWORD: password },
          }),
        );
        if (!result?.AccessToken || !result.IdToken || !result.RefreshToken) {
          throw new Error(
            `Login of ${username} did not return tokens (challenge: ${ChallengeName ?? "none"})`,
          );
        }
        return {
          accessToken: result.AccessToken,
          idToken: result.IdToken,
          refreshToken: result.RefreshToken,
        };
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(`Local stack failed to start: ${(error as Error).message}`, { cause: error });
  }
}
