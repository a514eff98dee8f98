import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, oauthEndpoints } from "./config.ts";

const required = {
  COGNITO_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
  COGNITO_CLIENT_ID: "client",
};

describe("loadConfig", () => {
  it("fills local defaults", () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      PORT: expect.any(Number),
      LINK_URL_TTL_SECONDS: expect.any(Number),
      AUTHORIZATION_HEADER: expect.any(String),
    });
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ ...required, LINK_URL_TTL_SECONDS: "999999" })).toThrow(/LINK_URL_TTL_SECONDS/);
    expect(() => loadConfig({ ...required, S3_FORCE_PATH_STYLE: "yes" })).toThrow(/S3_FORCE_PATH_STYLE/);
    expect(() => loadConfig({ ...required, COGNITO_ISSUER: "not a url" })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ ...required, LINK_URL_TTL_SECONDS: "100", LINK_CACHE_WINDOW_SECONDS: "60" }),
    ).toThrow(/LINK_CACHE_WINDOW_SECONDS/);
  });

  it("derives OAuth endpoints from the Cognito domain", () => {
    const config = loadConfig({
      ...required,
      COGNITO_DOMAIN_URL: "https://evergate.auth.eu-west-1.amazoncognito.com/",
    });
    expect(oauthEndpoints(config)).toEqual({
      authorizeUrl: "https://evergate.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
      tokenUrl: "https://evergate.auth.eu-west-1.amazoncognito.com/oauth2/token",
      logoutUrl: "https://evergate.auth.eu-west-1.amazoncognito.com/logout",
    });
  });
});
