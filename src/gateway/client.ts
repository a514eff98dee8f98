/**
 * Who is asking for a link. Previews, scanners, HEAD and prefetch must never use up a download;
 * a browser facing a limited link confirms with a POST first, so a scanner that follows every GET
 * cannot spend a one-time link.
 */
const PREVIEW_AGENTS =
  /bot\b|bot\/|crawler|spider|slack|twitterbot|facebookexternalhit|facebot|linkedin|discord|whatsapp|telegram|skype|viber|line\/|embedly|iframely|outlook|safelinks|ms-office|microsoft office|teams|preview|vkshare|pinterest|redditbot|applebot|bingpreview|mastodon|snapchat|google-pagerenderer|googleother|proofpoint|mimecast|barracuda|zscaler|scanner/i;

export type LinkClient = "preview" | "browser" | "direct";

export function classifyLinkClient(request: {
  userAgent?: string;
  accept?: string;
  purpose?: string;
}): LinkClient {
  if (request.purpose && /prefetch|preview|prerender/i.test(request.purpose)) return "preview";
  if (request.userAgent && PREVIEW_AGENTS.test(request.userAgent)) return "preview";
  if (request.accept && /text\/html/i.test(request.accept)) return "browser";
  return "direct";
}
