import { Fn } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { type Stage, stageSettings } from "../stage.ts";

export interface TokenKeysProps {
  stage: Stage;
  /** Key ids in the secret, the minting one first (docs/decisions/015-keyed-token-tags.md). */
  keyIds: readonly string[];
  /**
   * An existing secret's complete ARN (`-c tokenKeysSecretArn=…`): the keys of a deployment this
   * one replaces, so the links and API keys they tagged keep working (ADR 019, "Migrating").
   */
  secretArn?: string;
}

/**
 * The server keys that tag tokens, in a Secrets Manager secret the stack generates
 * (`{"a": "<64 random alphanumerics>"}`) or imports (`secretArn`: a token verifies only under the
 * key that tagged it, so the keys are part of the links' contract with the table). The function gets them as TOKEN_KEYS from a dynamic
 * reference that CloudFormation resolves at deploy time: no SDK and no call at cold start.
 * To rotate: add a key (`"b": …`) to the secret by hand, deploy with `-c tokenKeyIds=b,a` (b
 * mints, a still verifies), and drop `a` only when no token tagged by it should work any more.
 */
export class TokenKeys extends Construct {
  readonly secret: secretsmanager.ISecret;
  /** The TOKEN_KEYS value: `id:{{resolve:…}}` per key id. */
  readonly environmentValue: string;

  constructor(scope: Construct, id: string, props: TokenKeysProps) {
    super(scope, id);
    const [first] = props.keyIds;
    if (!first || props.keyIds.some((keyId) => !/^[0-9A-Za-z]$/.test(keyId))) {
      throw new Error(`tokenKeyIds must be single base62 characters, got ${JSON.stringify(props.keyIds)}`);
    }
    this.secret = props.secretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, "Secret", props.secretArn)
      : this.generatedSecret(props);
    this.environmentValue = Fn.join(
      ",",
      props.keyIds.map((keyId) => `${keyId}:${this.secret.secretValueFromJson(keyId).unsafeUnwrap()}`),
    );
  }

  private generatedSecret(props: TokenKeysProps): secretsmanager.Secret {
    const [first] = props.keyIds;
    return new secretsmanager.Secret(this, "Secret", {
      description: "Evergate: keys that tag link tokens and API keys (TOKEN_KEYS)",
      removalPolicy: stageSettings(props.stage).removalPolicy,
      generateSecretString: {
        secretStringTemplate: "{}",
        generateStringKey: first,
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
  }
}
