import { describe, expect, it } from "vitest";
import { classifyLinkClient } from "./client.ts";

const chrome =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

describe("classifyLinkClient", () => {
  it.each([
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  ])("treats %s as a preview", (userAgent) => {
    expect(classifyLinkClient({ userAgent, accept: "text/html" })).toBe("preview");
  });

  it("treats prefetch and prerender as a preview", () => {
    expect(classifyLinkClient({ userAgent: chrome, accept: "text/html", purpose: "prefetch" })).toBe(
      "preview",
    );
    expect(
      classifyLinkClient({ userAgent: chrome, accept: "text/html", purpose: "prefetch;prerender" }),
    ).toBe("preview");
  });

  it("tells a browser from curl, wget and API clients", () => {
    expect(classifyLinkClient({ userAgent: chrome, accept: "text/html,application/xhtml+xml" })).toBe(
      "browser",
    );
    expect(classifyLinkClient({ userAgent: "curl/8.5.0", accept: "*/*" })).toBe("direct");
    expect(classifyLinkClient({ userAgent: "Wget/1.21.3" })).toBe("direct");
    expect(classifyLinkClient({ accept: "application/json" })).toBe("direct");
  });
});
