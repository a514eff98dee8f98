import { describe, expect, it } from "vitest";
import { classifyClient } from "./client-class.ts";

describe("classifyClient", () => {
  it.each([
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      { class: "browser", browser: "Chrome", os: "Windows" },
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      { class: "browser", browser: "Mobile Safari", os: "iOS" },
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
      { class: "browser", browser: "Firefox", os: "Linux" },
    ],
    ["curl/8.5.0", { class: "cli", browser: "curl" }],
    ["Wget/1.21.4", { class: "cli", browser: "Wget" }],
    ["python-requests/2.32.3", { class: "cli", browser: "python-requests" }],
    ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", { class: "preview" }],
    ["facebookexternalhit/1.1", { class: "preview" }],
    [undefined, { class: "other" }],
    ["", { class: "other" }],
    ["something-unheard-of", { class: "other" }],
  ])("%s", (userAgent, expected) => {
    expect(classifyClient(userAgent)).toEqual(expected);
  });
});
