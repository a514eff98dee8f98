import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { loadConfig } from "#src/config.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { demoUsers } from "./local-evergate.ts";
import { s3StandInCredentials } from "./s3-stand-in.ts";

/** `npm run -s token -- user1`: a fresh access token from the running local stack, for curl. */
const root = fileURLToPath(new URL("../..", import.meta.url));
const { DATA_DIR } = loadConfig({
  COGNITO_ISSUER: "http://unused.invalid",
  COGNITO_CLIENT_ID: "unused",
  TOKEN_KEYS: newTokenKeyEntry(),
});
const stateFile = resolve(root, DATA_DIR, "local-stack.json");
const username = process.argv[2] ?? "user1";
const password = process.argv[3] ?? demoUsers.find((user) => user.username === username)?.password;

async function main() {
  let state: { cognito: { endpoint: string; clientId: string }; region: string; pid: number };
  try {
    state = JSON.parse(await readFile(stateFile, "utf8"));
    process.kill(state.pid, 0);
  } catch {
    throw new Error("The local stack is not running. Start it with `npm start` first.");
  }
  if (!password) throw new Error(`No password known for ${username}: pass it as the second argument.`);
  const cognito = new CognitoIdentityProviderClient({
    region: state.region,
    endpoint: state.cognito.endpoint,
    credentials: s3StandInCredentials,
  });
  const result = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: state.cognito.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  if (!result.AuthenticationResult?.AccessToken) throw new Error(`Login of ${username} failed.`);
  console.log(result.AuthenticationResult.AccessToken);
}

main().catch((error) => {
  console.error(`token: ${(error as Error).message}`);
  process.exit(1);
});
