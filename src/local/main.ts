import { mkdir, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "#src/config.ts";
import { buildWebapp } from "../../scripts/build.ts";
import { demoUsers, startLocalEvergate } from "./local-evergate.ts";

/**
 * `npm start`: the whole Evergate on this machine, no AWS account. `-- --fresh` wipes .data/.
 * Stops every stand-in cleanly on Ctrl-C or SIGTERM.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const started = performance.now();

async function main() {
  // The stand-ins' own settings are filled in once they run; these two are placeholders until then.
  const { PORT: port, DATA_DIR } = loadConfig({ COGNITO_ISSUER: "http://unused.invalid", COGNITO_CLIENT_ID: "unused" });
  const dataDir = resolve(root, DATA_DIR);
  if (process.argv.includes("--fresh")) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await buildWebapp(`${dataDir}/webapp`);
  const evergate = await startLocalEvergate({ port, dataDir, seed: true, webappDir: `${dataDir}/webapp` });
  await writeFile(
    `${dataDir}/local-stack.json`,
    `${JSON.stringify({ url: evergate.url, pid: process.pid, cognito: evergate.stack.cognito, region: evergate.stack.region }, null, 2)}\n`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping Evergate…`);
    await evergate.stop().catch((error) => console.error(error));
    await rm(`${dataDir}/local-stack.json`, { force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    [
      "",
      `Evergate is ready in ${seconds}s at ${evergate.url}`,
      "",
      `  webapp      ${evergate.url}/`,
      `  API         ${evergate.url}/api/health`,
      `  links       ${evergate.url}/l/{token}`,
      "",
      "  Demo logins:",
      ...demoUsers.map((user) => `    ${user.username} / ${user.password}`),
      "",
      "  A token for curl:  npm run -s token -- user1",
      "  Data lives in .data/ (npm start -- --fresh wipes it). Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

main().catch((error) => {
  console.error(`Evergate could not start: ${(error as Error).message}`);
  process.exit(1);
});
