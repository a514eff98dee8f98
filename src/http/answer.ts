/**
 * A response as plain data, header names in lower case. Hono routes send it as a Response; the
 * Lambda's redirect path sends it as a function URL result without building either object.
 */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

export function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  return lowered;
}

export const toResponse = (answer: Answer): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });
