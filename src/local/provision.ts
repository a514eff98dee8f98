import { readFile, writeFile } from "node:fs/promises";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  GroupExistsException,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { tableKeys } from "../storage/table-definition.ts";
import { browserCorsRule } from "./s3-stand-in.ts";

/** Creates the single table with its keys and GSIs unless it exists, then waits until it is ACTIVE. */
export async function ensureTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keyNames = [
    tableKeys.partitionKey,
    tableKeys.sortKey,
    ...tableKeys.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keyNames.map((name) => ({ AttributeName: name, AttributeType: "S" })),
      KeySchema: [
        { AttributeName: tableKeys.partitionKey, KeyType: "HASH" },
        { AttributeName: tableKeys.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: tableKeys.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" },
          { AttributeName: index.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      })),
    }),
  );
  // dynalite can refuse a write issued right after CreateTable; waiting for ACTIVE avoids that
  await waitUntilTableExists(
    { client: dynamo, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: tableName },
  );
}

/** Creates the bucket unless it exists, and sets (or clears) its browser CORS rule. */
export async function ensureBucket(s3: S3Client, bucket: string, allowedOrigins: string[]): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  if (allowedOrigins.length === 0) {
    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    return;
  }
  const rule = browserCorsRule(allowedOrigins);
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [rule] } }));
}

export interface UserPoolIds {
  userPoolId: string;
  clientId: string;
}

export interface UserPoolSettings {
  poolName: string;
  clientName: string;
  callbackUrls: string[];
  logoutUrls: string[];
  /** Where the ids are remembered between runs; the pool is also found by name if the file is gone. */
  idsFile: string;
}

/**
 * Makes sure the user pool and its public webapp client exist, and that the client's URLs match
 * `settings`. The client has no secret, allows the code flow (the hosted login requires PKCE S256)
 * and, for tests and scripts, USER_PASSWORD_AUTH.
 */
export async function ensureUserPool(
  cognito: CognitoIdentityProviderClient,
  settings: UserPoolSettings,
): Promise<UserPoolIds> {
  const userPoolId =
    (await rememberedPoolId(cognito, settings.idsFile)) ??
    (await findPoolIdByName(cognito, settings.poolName)) ??
    (await createPool(cognito, settings.poolName));
  const clientSettings = {
    UserPoolId: userPoolId,
    ClientName: settings.clientName,
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthFlows: ["code" as const],
    AllowedOAuthScopes: ["openid", "email", "profile"],
    SupportedIdentityProviders: ["COGNITO"],
    CallbackURLs: settings.callbackUrls,
    LogoutURLs: settings.logoutUrls,
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH" as const, "ALLOW_REFRESH_TOKEN_AUTH" as const],
    // As in AWS (infra/constructs/auth.ts): the window an access token outlives a sign-out.
    AccessTokenValidity: 15,
    IdTokenValidity: 15,
    RefreshTokenValidity: 30,
    TokenValidityUnits: {
      AccessToken: "minutes" as const,
      IdToken: "minutes" as const,
      RefreshToken: "days" as const,
    },
    PreventUserExistenceErrors: "ENABLED" as const,
  };
  const existing = await findClient(cognito, userPoolId, settings.clientName);
  const clientId = existing
    ? (await cognito.send(new UpdateUserPoolClientCommand({ ...clientSettings, ClientId: existing })))
        .UserPoolClient?.ClientId
    : (await cognito.send(new CreateUserPoolClientCommand({ ...clientSettings, GenerateSecret: false })))
        .UserPoolClient?.ClientId;
  if (!clientId) throw new Error("Cognito stand-in returned no app client id");
  const ids = { userPoolId, clientId };
  await writeFile(settings.idsFile, `${JSON.stringify(ids, null, 2)}\n`);
  return ids;
}

/** Creates a confirmed user with a permanent password; fails with UsernameExistsException if taken. */
export async function createUser(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  username: string,
  password: string,
): Promise<{ sub: string }> {
  const created = await cognito.send(
    new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: "SUPPRESS" }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: username,
      Password: password,
      Permanent: true,
    }),
  );
  const sub = created.User?.Attributes?.find((attribute) => attribute.Name === "sub")?.Value;
  if (!sub) throw new Error(`Cognito stand-in created ${username} without a sub`);
  return { sub };
}

/** Creates the user unless it exists; either way its password ends up `password`, permanent. */
export async function ensureUser(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  username: string,
  password: string,
): Promise<void> {
  try {
    await createUser(cognito, userPoolId, username, password);
  } catch (error) {
    if (!(error instanceof UsernameExistsException)) throw error;
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
  }
}

/** Creates the group in the pool unless it exists (the CDK stack creates the same: infra/constructs/auth.ts). */
export async function ensureGroup(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  groupName: string,
  description: string,
): Promise<void> {
  try {
    await cognito.send(
      new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName, Description: description }),
    );
  } catch (error) {
    if (!(error instanceof GroupExistsException)) throw error;
  }
}

/** Puts the user in the group (again is fine): access tokens issued afterwards name it in `cognito:groups`. */
export async function addUserToGroup(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  username: string,
  groupName: string,
): Promise<void> {
  await cognito.send(
    new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: groupName }),
  );
}

async function rememberedPoolId(
  cognito: CognitoIdentityProviderClient,
  idsFile: string,
): Promise<string | undefined> {
  let remembered: Partial<UserPoolIds>;
  try {
    remembered = JSON.parse(await readFile(idsFile, "utf8")) as Partial<UserPoolIds>;
  } catch {
    return undefined;
  }
  if (!remembered.userPoolId) return undefined;
  try {
    await cognito.send(new DescribeUserPoolCommand({ UserPoolId: remembered.userPoolId }));
    return remembered.userPoolId;
  } catch {
    return undefined;
  }
}

async function findPoolIdByName(
  cognito: CognitoIdentityProviderClient,
  poolName: string,
): Promise<string | undefined> {
  const { UserPools = [] } = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  return UserPools.find((pool) => pool.Name === poolName)?.Id;
}

async function createPool(cognito: CognitoIdentityProviderClient, poolName: string): Promise<string> {
  const created = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: poolName,
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 8,
          RequireUppercase: true,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    }),
  );
  const id = created.UserPool?.Id;
  if (!id) throw new Error("Cognito stand-in returned no user pool id");
  return id;
}

async function findClient(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientName: string,
): Promise<string | undefined> {
  const { UserPoolClients = [] } = await cognito.send(
    new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
  );
  return UserPoolClients.find((client) => client.ClientName === clientName)?.ClientId;
}
