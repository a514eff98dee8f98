import { Duration, Stack } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as iam from "aws-cdk-lib/aws-iam";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { ADMIN_GROUP } from "../../src/domain/scopes.ts";
import { type Stage, stageSettings } from "../stage.ts";

export interface AuthProps {
  stage: Stage;
  /** Off by default: accounts are invited with admin-create-user (see ADR 006). */
  selfSignUp: boolean;
  /** Prefix of the managed login domain, unique per region: {prefix}.auth.{region}.amazoncognito.com. */
  domainPrefix: string;
  /** Origins allowed as callback and logout URLs besides the site (dev: the local server). */
  localOrigins: string[];
}

/** Scopes the webapp asks for; the API reads the same list from /api/config. */
export const oauthScopes = ["openid", "email", "profile"];

/**
 * Settings of the webapp's app client, in the shape of both CloudFormation and the
 * UpdateUserPoolClient API. The resource gets the base settings; the update that adds the site's
 * URLs sends base + OAuth + URLs, because UpdateUserPoolClient resets every setting it is not given.
 * Both read from here, so they cannot drift.
 */
export const webClientBaseSettings = {
  ClientName: "webapp",
  // No ALLOW_REFRESH_TOKEN_AUTH: with rotation on, refreshing goes through the token endpoint.
  ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH"],
  PreventUserExistenceErrors: "ENABLED",
  EnableTokenRevocation: true,
  AuthSessionValidity: 3,
  // An access token is verified offline (JWKS), so signing out or revoking the refresh token does
  // not end it: it stays good until it expires. 15 minutes bounds that window; the webapp refreshes
  // a minute before expiry and on a 401 (webapp/src/lib/auth.ts). ADR 016.
  AccessTokenValidity: 15,
  IdTokenValidity: 15,
  RefreshTokenValidity: 30,
  TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days" },
  RefreshTokenRotation: { Feature: "ENABLED", RetryGracePeriodSeconds: 10 },
} as const;

/** Authorization code grant only; PKCE is what the public webapp client uses with it. */
export const webClientOAuthSettings = {
  AllowedOAuthFlows: ["code"],
  AllowedOAuthFlowsUserPoolClient: true,
  AllowedOAuthScopes: oauthScopes,
  SupportedIdentityProviders: ["COGNITO"],
} as const;

const callbackUrlsFor = (origins: string[]) => origins.map((origin) => `${origin}/callback`);
const logoutUrlsFor = (origins: string[]) => origins.map((origin) => `${origin}/`);

/** The user pool, its managed login domain and the webapp's public (PKCE) app client. */
export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly domain: cognito.UserPoolDomain;
  readonly webClientId: string;
  private readonly webClient: cognito.CfnUserPoolClient;
  private readonly localOrigins: string[];

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    const settings = stageSettings(props.stage);
    this.localOrigins = props.localOrigins;

    this.userPool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `evergate-${props.stage}`,
      selfSignUpEnabled: props.selfSignUp,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: settings.deletionProtection,
      removalPolicy: settings.removalPolicy,
    });

    // Members may use the admin routes (GET /api/admin/…): access tokens name it in cognito:groups.
    // Add someone with `aws cognito-idp admin-add-user-to-group --group-name admin` (infra/README.md).
    new cognito.CfnUserPoolGroup(this, "AdminGroup", {
      userPoolId: this.userPool.userPoolId,
      groupName: ADMIN_GROUP,
      description: "Administrators: the admin API routes (the report of links out of policy)",
    });

    this.domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    // The site's URL is not known here: the distribution depends on the function, and the function
    // needs this client's id. So the client is created without OAuth (Cognito wants callback URLs
    // with it) and registerSiteOrigin() switches OAuth on once the distribution exists.
    this.webClient = new cognito.CfnUserPoolClient(this, "WebClient", {
      userPoolId: this.userPool.userPoolId,
      generateSecret: false,
    });
    for (const [property, value] of Object.entries(webClientBaseSettings)) {
      this.webClient.addPropertyOverride(property, value);
    }
    this.webClientId = this.webClient.ref;

    // Managed login (v2) shows no page for a client without a style; Cognito's defaults will do.
    const branding = new cognito.CfnManagedLoginBranding(this, "WebClientBranding", {
      userPoolId: this.userPool.userPoolId,
      clientId: this.webClientId,
      useCognitoProvidedValues: true,
    });
    branding.node.addDependency(this.domain);
  }

  /** https://{prefix}.auth.{region}.amazoncognito.com — the app derives /oauth2/* and /logout. */
  get domainUrl(): string {
    return this.domain.baseUrl();
  }

  /** https://cognito-idp.{region}.amazonaws.com/{userPoolId} */
  get issuerUrl(): string {
    return this.userPool.userPoolProviderUrl;
  }

  /**
   * Switches on the authorization code grant with the site's (and local) callback and logout URLs,
   * after the distribution exists. Any change to the client's settings changes this call too, so
   * it runs again after CloudFormation has updated the client.
   */
  registerSiteOrigin(siteUrl: string): cr.AwsCustomResource {
    const origins = [siteUrl, ...this.localOrigins];
    const update: cr.AwsSdkCall = {
      service: "CognitoIdentityProvider",
      action: "UpdateUserPoolClient",
      parameters: {
        UserPoolId: this.userPool.userPoolId,
        ClientId: this.webClientId,
        ...webClientBaseSettings,
        ...webClientOAuthSettings,
        CallbackURLs: callbackUrlsFor(origins),
        LogoutURLs: logoutUrlsFor(origins),
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${this.node.addr}-web-client-urls`),
    };
    return new cr.AwsCustomResource(this, "WebClientSiteUrls", {
      onCreate: update,
      onUpdate: update,
      // Spelled out: fromSdkCalls derives "cognitoidentityprovider:…", which is not an IAM prefix.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ["cognito-idp:UpdateUserPoolClient"],
          resources: [this.userPool.userPoolArn],
        }),
      ]),
      installLatestAwsSdk: false,
      resourceType: "Custom::UserPoolClientUrls",
    });
  }
}

/** Default managed-login prefix: unique per account and stage, free of Cognito's reserved words. */
export function defaultDomainPrefix(stage: Stage, scope: Construct): string {
  return `evergate-${stage}-${Stack.of(scope).account}`;
}
