import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import { callDependency } from "./dependency-errors.ts";

/**
 * A secret's string, read when first asked for (the SDK client is imported then, never at cold
 * start). The caller keeps the answer (loadOnce): one GetSecretValue per instance.
 */
export function secretsManagerValue(secretId: string, clientConfig: SecretsManagerClientConfig) {
  return async (): Promise<string> => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    // Not destroyed after its one call: it shares the other clients' HTTP handler (and its timeouts).
    const client = new SecretsManagerClient(clientConfig);
    const answer = await callDependency("secretsmanager", () =>
      client.send(new GetSecretValueCommand({ SecretId: secretId })),
    );
    if (!answer.SecretString) throw new Error(`The secret ${secretId} holds no string`);
    return answer.SecretString;
  };
}
