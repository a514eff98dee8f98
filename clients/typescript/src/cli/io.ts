import { readFile } from "node:fs/promises";
import { CliError, exitCodes } from "./exit-codes.ts";
import type { ProgressStream } from "./progress.ts";

/** What a run of the CLI reads and writes: the process's streams, or a test's. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** Read whole, for `evergate login` fed a key from a pipe. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
}

/** Reads the API key: all of stdin when piped, else a prompt that does not echo what is typed. */
export async function readSecret(io: CliIo, prompt: string): Promise<string> {
  const { stdin } = io;
  if (!stdin.isTTY || !stdin.setRawMode) {
    let text = "";
    for await (const chunk of stdin) text += chunk.toString();
    return text.trim();
  }
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString("utf8")) {
          if (char === "\r" || char === "\n") {
            stdin.off("data", onData);
            io.stderr.write("\n");
            resolve(typed.trim());
            return;
          }
          if (char === "\u0003") {
            stdin.off("data", onData);
            reject(new Error("cancelled"));
            return;
          }
          typed = char === "\u007f" ? typed.slice(0, -1) : typed + char;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/** All of a stream (stdin for `evergate links bulk -`), as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/** A file's text; a missing or unreadable one is a usage error (exit 2). */
export async function readTextFile(path: string): Promise<string> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`Cannot read ${path}: ${error.code ?? error.message}`, exitCodes.usage);
  });
}

/** JSON Lines: one JSON object a line, blank lines skipped; a bad line is exit 2 naming its number. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CliError(`Line ${index + 1} is not JSON.`, exitCodes.usage);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new CliError(`Line ${index + 1} is not a JSON object.`, exitCodes.usage);
    items.push(value as Record<string, unknown>);
  }
  if (items.length === 0) throw new CliError("No links given: the input has no JSON lines.", exitCodes.usage);
  return items;
}
