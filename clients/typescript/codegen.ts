import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

/**
 * The API's types from the text of openapi.yaml: openapi-typescript with its defaults. `npm run
 * openapi` writes the result to src/schema.d.ts, which this client and the webapp import;
 * test/contract/client-types.test.ts fails when the committed file differs.
 */
export async function clientSchemaSource(openapiYaml: string): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(openapiYaml, { silent: true }));
}

export const clientSchemaPath = new URL("./src/schema.d.ts", import.meta.url);
