import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, exitCodes } from "./exit-codes.ts";

/** What `evergate login` keeps: where Evergate answers and the API key. */
export interface StoredConfig {
  url: string;
  apiKey: string;
}

export interface ResolvedConfig {
  url: string;
  apiKey: string;
  /** Where the key came from, for `evergate whoami` and error messages. */
  source: "flags" | "environment" | string;
}

/**
 * The one place the CLI reads its environment: EVERGATE_API_KEY and EVERGATE_URL win over the
 * config file; EVERGATE_CONFIG moves the file (default $XDG_CONFIG_HOME/evergate/config.json,
 * else ~/.config/evergate/config.json).
 */
export interface CliEnvironment {
  apiKey: string | undefined;
  url: string | undefined;
  configPath: string;
}

export function cliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return {
    apiKey: env.EVERGATE_API_KEY || undefined,
    url: env.EVERGATE_URL || undefined,
    configPath: env.EVERGATE_CONFIG || join(configHome, "evergate", "config.json"),
  };
}

export const defaultUrl = "http://localhost:3000";

/**
 * Reads the config file. Like ssh with a private key, a file that others may read is refused: it
 * holds a secret that acts as its owner.
 */
export async function readStoredConfig(path: string): Promise<Partial<StoredConfig> | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0)
    throw new CliError(
      `${path} may be read by other users (mode ${(mode & 0o777).toString(8)}); it holds an API key. Run: chmod 600 ${path}`,
      exitCodes.auth,
    );
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
  if (typeof parsed !== "object" || parsed === null)
    throw new CliError(`${path} is not a JSON object`, exitCodes.failure);
  const { url, apiKey } = parsed as Record<string, unknown>;
  return {
    url: typeof url === "string" ? url : undefined,
    apiKey: typeof apiKey === "string" ? apiKey : undefined,
  };
}

/** Writes the file with mode 0600 (its directory 0700), also when it existed with wider rights. */
export async function writeStoredConfig(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

export async function removeStoredConfig(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Flags, then the environment, then the config file; no key anywhere is exit code 4. */
export async function resolveConfig(
  flags: { url?: string; apiKey?: string },
  environment: CliEnvironment,
): Promise<ResolvedConfig> {
  const stored = await readStoredConfig(environment.configPath);
  const apiKey = flags.apiKey ?? environment.apiKey ?? stored?.apiKey;
  if (!apiKey)
    throw new CliError(
      "No API key: run `evergate login`, or set EVERGATE_API_KEY (and EVERGATE_URL).",
      exitCodes.auth,
    );
  const source = flags.apiKey ? "flags" : environment.apiKey ? "environment" : environment.configPath;
  return { url: flags.url ?? environment.url ?? stored?.url ?? defaultUrl, apiKey, source };
}
