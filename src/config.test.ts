import { describe, expect, it } from "vitest";
import { ConfigError, filesCdn, loadConfig, oauthEndpoints } from "./config.ts";
import { newTokenKeyEntry } from "./domain/token.ts";

const required = {
  COGNITO_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
  COGNITO_CLIENT_ID: "client",
  TOKEN_KEYS: newTokenKeyEntry(),
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

  it("parses flags, integers and URLs strictly; an empty variable counts as unset", () => {
    expect(loadConfig({ ...required, S3_FORCE_PATH_STYLE: "1" }).S3_FORCE_PATH_STYLE).toBe(true);
    expect(loadConfig({ ...required, S3_FORCE_PATH_STYLE: "false" }).S3_FORCE_PATH_STYLE).toBe(false);
    expect(loadConfig({ ...required, PORT: "8080" }).PORT).toBe(8080);
    expect(loadConfig({ ...required, PORT: "" }).PORT).toBe(3000);
    for (const [name, value] of [
      ["PORT", "8080abc"],
      ["PORT", "1e3"],
      ["PORT", "70000"],
      ["AWS_MAX_ATTEMPTS", "0"],
      ["COGNITO_ISSUER", "ftp://example.com/pool"],
      ["DYNAMODB_ENDPOINT", "localhost:8000"],
      ["AUTHORIZATION_HEADER", "X-Auth"],
      ["LOG_LEVEL", "verbose"],
    ]) {
      expect(() => loadConfig({ ...required, [name as string]: value }), `${name}=${value}`).toThrow(
        new RegExp(`^Invalid configuration:\\n  ${name}: `),
      );
    }
  });

  it("lists every bad variable at once", () => {
    // Empty strings count as unset, whatever this process's environment holds.
    expect(() =>
      loadConfig({ PORT: "x", LOG_LEVEL: "loud", COGNITO_ISSUER: "", COGNITO_CLIENT_ID: "", TOKEN_KEYS: "" }),
    ).toThrow(
      /PORT: .*\n {2}COGNITO_ISSUER: is required\n {2}COGNITO_CLIENT_ID: is required\n {2}TOKEN_KEYS: is required.*\n {2}LOG_LEVEL: /s,
    );
  });

  it("TOKEN_KEYS: id:secret entries, the first mints; a bad one is refused without echoing a secret", () => {
    const [first, second] = [newTokenKeyEntry("b"), newTokenKeyEntry("a")];
    const ring = loadConfig({ ...required, TOKEN_KEYS: `${first},${second}` }).TOKEN_KEYS;
    expect(ring.mintingKeyId).toBe("b");
    expect([...ring.keys.keys()]).toEqual(["b", "a"]);
    const short = "a:c2hvcnQ";
    for (const bad of [short, `${first},${first}`, `ab:${"x".repeat(43)}`, `-:${"x".repeat(43)}`, ","]) {
      let message = "";
      try {
        loadConfig({ ...required, TOKEN_KEYS: bad });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, bad).toMatch(/TOKEN_KEYS: /);
      expect(message).not.toContain(first.slice(2));
      expect(message).not.toContain("c2hvcnQ");
    }
  });

  it("FILES_CDN_*: all three or none, https, and a signing window of at most half the shortest URL validity", () => {
    const cdn = {
      FILES_CDN_URL: "https://d111111abcdef8.cloudfront.net",
      FILES_CDN_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
      FILES_CDN_PRIVATE_KEY_SECRET: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cdn-AbCdEf",
    };
    expect(filesCdn(loadConfig(required))).toBeUndefined();
    expect(filesCdn(loadConfig({ ...required, ...cdn }))).toEqual({
      baseUrl: cdn.FILES_CDN_URL,
      keyPairId: cdn.FILES_CDN_KEY_PAIR_ID,
      privateKeySecret: cdn.FILES_CDN_PRIVATE_KEY_SECRET,
      signingWindowSeconds: 60,
    });
    expect(() => loadConfig({ ...required, FILES_CDN_URL: cdn.FILES_CDN_URL })).toThrow(
      /set all three or none/,
    );
    expect(() => loadConfig({ ...required, ...cdn, FILES_CDN_URL: "http://cdn.example" })).toThrow(
      /must be https/,
    );
    expect(() => loadConfig({ ...required, ...cdn, FILES_CDN_KEY_PAIR_ID: "k2-lower" })).toThrow(
      /FILES_CDN_KEY_PAIR_ID/,
    );
    expect(() => loadConfig({ ...required, ...cdn, DOWNLOAD_URL_TTL_SECONDS: "100" })).toThrow(
      /FILES_CDN_SIGNING_WINDOW_SECONDS/,
    );
    expect(() => loadConfig({ ...required, ...cdn, IMAGE_CACHE_WINDOW_SECONDS: "30" })).toThrow(
      /FILES_CDN_SIGNING_WINDOW_SECONDS/,
    );
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
