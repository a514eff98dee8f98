import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { demoUsers } from "./local-evergate.ts";
import { s3StandInCredentials } from "./s3-stand-in.ts";

/** `npm run -s token -- user1`: a fresh access token from the running local stack, for curl. */
const stateFile = fileURLToPath(new URL("../../.data/local-stack.json", import.meta.url));
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
