import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { clientVersion, createEvergateClient, type EvergateClient } from "../client.ts";
import { EvergateConnectionError, EvergateError, unwrap } from "../errors.ts";
import type { components } from "../schema.js";
import { UploadError, uploadByPlan } from "../upload.ts";
import {
  cliEnvironment,
  defaultUrl,
  readStoredConfig,
  removeStoredConfig,
  resolveConfig,
  writeStoredConfig,
} from "./config.ts";
import { CliError, exitCodeFor, exitCodes } from "./exit-codes.ts";
import { contentTypeFor, eventLine, fileLine, linkLine, statsText } from "./format.ts";
import { type CliIo, parseJsonLines, readAll, readSecret, readTextFile } from "./io.ts";
import { collect, expiry, integerIn } from "./options.ts";
import { progressBar } from "./progress.ts";

type Schemas = components["schemas"];

interface GlobalOptions {
  url?: string;
  json?: boolean;
  progress: boolean;
}

/**
 * Runs `evergate …` and answers its exit code (exit-codes.ts). stdout carries the answer (one JSON
 * document with --json, also for errors: `{"error": {…}}`); stderr carries messages and progress.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let json = argv.includes("--json");
  const program = buildProgram(io, (value) => {
    json = value;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      if (error.exitCode === 0) return exitCodes.ok;
      if (json) io.stdout.write(`${JSON.stringify({ error: { code: "usage", detail: error.message } })}\n`);
      return exitCodes.usage;
    }
    const code = exitCodeFor(error);
    if (json) io.stdout.write(`${JSON.stringify({ error: errorJson(error) }, null, 2)}\n`);
    io.stderr.write(`evergate: ${errorText(error)}\n`);
    return code;
  }
}

function errorJson(error: unknown): unknown {
  if (
    error instanceof EvergateError ||
    error instanceof EvergateConnectionError ||
    error instanceof UploadError
  )
    return error.toJSON();
  if (error instanceof CliError) return { code: error.code, detail: error.message };
  return { code: "failed", detail: error instanceof Error ? error.message : String(error) };
}

function errorText(error: unknown): string {
  if (error instanceof EvergateError)
    return `${error.detail} (${error.code}, HTTP ${error.status}${error.requestId ? `, request ${error.requestId}` : ""})`;
  return error instanceof Error ? error.message : String(error);
}

function buildProgram(io: CliIo, onJson: (json: boolean) => void): Command {
  const environment = cliEnvironment(io.env);
  const program = new Command("evergate")
    .description("Permanent, revocable links to private files, from a shell or a script.")
    .version(clientVersion)
    .option("--url <url>", `where Evergate answers (default: EVERGATE_URL, the login's, or ${defaultUrl})`)
    .option("--json", 'print the answer as JSON on stdout (errors too: {"error": {code, status, detail}})')
    .option("--no-progress", "no progress bar on stderr")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .hook("preAction", (_program, action) => onJson(Boolean(action.optsWithGlobals<GlobalOptions>().json)));
  // Subcommands inherit the output and exit behaviour.
  const group = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
      });

  async function connect(command: Command): Promise<{ client: EvergateClient; url: string }> {
    const options = command.optsWithGlobals<GlobalOptions>();
    const config = await resolveConfig({ url: options.url }, environment);
    return { client: createEvergateClient({ baseUrl: config.url, apiKey: config.apiKey }), url: config.url };
  }

  function emit(command: Command, data: unknown, human: () => string) {
    if (command.optsWithGlobals<GlobalOptions>().json) io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else io.stdout.write(`${human()}\n`);
  }

  program
    .command("login")
    .description("check an API key and keep it, with the URL, in the config file (mode 0600)")
    .addHelpText(
      "after",
      `\nThe key is read from stdin when piped (echo "$KEY" | evergate login --url …), else asked for.\nThe file: ${environment.configPath} (EVERGATE_CONFIG moves it). EVERGATE_API_KEY / EVERGATE_URL override it.`,
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const stored = await readStoredConfig(environment.configPath).catch(() => undefined);
      const url = options.url ?? environment.url ?? stored?.url ?? defaultUrl;
      const apiKey = await readSecret(io, "API key (evk_…): ");
      if (!apiKey) throw new CliError("No API key given.", exitCodes.usage);
      const client = createEvergateClient({ baseUrl: url, apiKey });
      const me = unwrap(await client.GET("/api/me"));
      await writeStoredConfig(environment.configPath, { url, apiKey });
      emit(command, { url, username: me.username, via: me.via, configPath: environment.configPath }, () =>
        [
          `Logged in to ${url} as ${me.username}${me.via === "apiKey" ? " (API key)" : ""}.`,
          `Saved to ${environment.configPath} (mode 0600).`,
        ].join("\n"),
      );
    });

  program
    .command("logout")
    .description("delete the config file and the key in it")
    .action(async (_options, command: Command) => {
      const removed = await removeStoredConfig(environment.configPath);
      emit(command, { removed, configPath: environment.configPath }, () =>
        removed ? `Removed ${environment.configPath}.` : `No config file at ${environment.configPath}.`,
      );
    });

  program
    .command("whoami")
    .description("who the configured key acts as")
    .action(async (_options, command: Command) => {
      const { client, url } = await connect(command);
      const me = unwrap(await client.GET("/api/me"));
      emit(
        command,
        { ...me, url },
        () => `${me.username} (${me.via === "apiKey" ? "API key" : "user"}) at ${url}`,
      );
    });

  const files = group("files", "upload your own files straight to storage, list and delete them");

  files
    .command("upload <path>")
    .description("upload a file (one PUT, or parts in parallel for large files); prints its id")
    .option("--type <mime>", "its content type (default: from the extension, else application/octet-stream)")
    .option("--name <filename>", "the name downloads are saved under (default: the file's own name)")
    .action(async (path: string, options, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`Cannot read ${path}: ${error.code ?? error.message}`, exitCodes.usage);
      });
      if (!info.isFile()) throw new CliError(`${path} is not a file.`, exitCodes.usage);
      if (info.size === 0)
        throw new CliError(`${path} is empty: there is nothing to upload.`, exitCodes.usage);
      const { client } = await connect(command);
      const filename: string = options.name ?? basename(path);
      const created = unwrap(
        await client.POST("/api/files", {
          body: { filename, contentType: options.type ?? contentTypeFor(filename), size: info.size },
        }),
      );
      const bar = globals.progress ? progressBar(filename, info.size, io.stderr) : undefined;
      const { parts } = await uploadByPlan(created.upload, path, { onProgress: (sent) => bar?.update(sent) });
      bar?.done();
      const file = unwrap(
        await client.POST("/api/files/{id}/complete", {
          params: { path: { id: created.file.id } },
          body: parts ? { parts } : {},
        }),
      );
      emit(command, file, () => file.id);
    });

  files
    .command("list")
    .description("your files, newest first")
    .option("--limit <n>", "files per page", integerIn(1, 100))
    .option("--cursor <cursor>", "the page after this one (nextCursor of the previous page)")
    .option("--all", "every page (JSON: one array)")
    .action(async (options, command: Command) => {
      const { client } = await connect(command);
      const items: Schemas["File"][] = [];
      let cursor: string | undefined = options.cursor;
      do {
        const page = unwrap(
          await client.GET("/api/files", {
            params: {
              query: { ...(options.limit ? { limit: options.limit } : {}), ...(cursor ? { cursor } : {}) },
            },
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (options.all && cursor);
      emit(command, { items, ...(cursor ? { nextCursor: cursor } : {}) }, () =>
        [...items.map(fileLine), ...(cursor ? [`(more: --cursor ${cursor})`] : [])].join("\n"),
      );
    });

  files
    .command("get <id>")
    .description("one of your files")
    .action(async (id: string, _options, command: Command) => {
      const { client } = await connect(command);
      const file = unwrap(await client.GET("/api/files/{id}", { params: { path: { id } } }));
      emit(command, file, () => fileLine(file));
    });

  files
    .command("delete <id>")
    .description("delete a file: its links stop within seconds, then its bytes go")
    .action(async (id: string, _options, command: Command) => {
      const { client } = await connect(command);
      unwrap(await client.DELETE("/api/files/{id}", { params: { path: { id } } }));
      emit(command, { id, deleted: true }, () => `Deleted ${id}.`);
    });

  const links = group("links", "create, list, revoke permanent links and read their stats");

  links
    .command("create")
    .description("mint a permanent link; prints its URL (the token is shown only now)")
    .option("--product <id>", "the product whose deliverable the link serves")
    .option("--file <id>", "or one of your files (evergate files upload)")
    .option("--tag <tag>", "a tag to filter and revoke by (repeatable, up to 10)", collect)
    .option("--external-id <ref>", "your own reference (an order line); unique among your links")
    .option("--max <n>", "downloads allowed (default: unlimited)", integerIn(1, 1_000_000))
    .addOption(
      new Option("--expires <when>", "when it stops: 30m, 12h, 7d, 2w from now, or ISO 8601").argParser(
        expiry(),
      ),
    )
    .option("--recipient <who>", "who the link is for (a note)")
    .option("--label <text>", "a label for your own lists")
    .option("--filename <name>", "the name the download is saved under")
    .option("--grace <seconds>", "resume grace in seconds (0 = off)", integerIn(0, 86_400))
    .option(
      "--idempotency-key <key>",
      "send this key (default: a new one): re-running with it answers the same link",
    )
    .action(async (options, command: Command) => {
      if (Boolean(options.product) === Boolean(options.file))
        throw new CliError("Give exactly one of --product <id> and --file <id>.", exitCodes.usage);
      const { client } = await connect(command);
      const body: Schemas["CreateLink"] = {
        ...(options.product ? { productId: options.product } : { fileId: options.file }),
        ...(options.tag ? { tags: options.tag } : {}),
        ...(options.externalId ? { externalId: options.externalId } : {}),
        ...(options.max !== undefined ? { maxDownloads: options.max } : {}),
        ...(options.expires ? { expiresAt: options.expires } : {}),
        ...(options.recipient ? { recipient: options.recipient } : {}),
        ...(options.label ? { label: options.label } : {}),
        ...(options.filename ? { filename: options.filename } : {}),
        ...(options.grace !== undefined ? { graceSeconds: options.grace } : {}),
      };
      const link = unwrap(
        await client.POST("/api/links", {
          body,
          ...(options.idempotencyKey ? { headers: { "idempotency-key": options.idempotencyKey } } : {}),
        }),
      );
      emit(command, link, () => link.url);
    });

  links
    .command("list")
    .description("your links, newest first")
    .option("--limit <n>", "links per page", integerIn(1, 100))
    .option("--cursor <cursor>", "the page after this one (nextCursor of the previous page)")
    .option("--all", "every page (JSON: one array)")
    .addOption(
      new Option("--status <status>", "only links in this state").choices([
        "active",
        "revoked",
        "expired",
        "exhausted",
      ]),
    )
    .option("--tag <tag>", "only links with this tag")
    .option("--product <id>", "only links to this product")
    .option("--file <id>", "only links to this file")
    .option("--recipient <who>", "only links for exactly this recipient")
    .option("--external-id <ref>", "the one link with this externalId")
    .option("--q <text>", "text in the label or recipient (any case)")
    .action(async (options, command: Command) => {
      const { client } = await connect(command);
      const filter = {
        ...(options.status ? { status: options.status as Schemas["Link"]["status"] } : {}),
        ...(options.tag ? { tag: options.tag as string } : {}),
        ...(options.product ? { productId: options.product as string } : {}),
        ...(options.file ? { fileId: options.file as string } : {}),
        ...(options.recipient ? { recipient: options.recipient as string } : {}),
        ...(options.externalId ? { externalId: options.externalId as string } : {}),
        ...(options.q ? { q: options.q as string } : {}),
      };
      const items: Schemas["Link"][] = [];
      let cursor: string | undefined = options.cursor;
      do {
        const page = unwrap(
          await client.GET("/api/links", {
            params: {
              query: {
                ...filter,
                ...(options.limit ? { limit: options.limit } : {}),
                ...(cursor ? { cursor } : {}),
              },
            },
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (options.all && cursor);
      emit(command, { items, ...(cursor ? { nextCursor: cursor } : {}) }, () =>
        [...items.map(linkLine), ...(cursor ? [`(more: --cursor ${cursor})`] : [])].join("\n"),
      );
    });

  links
    .command("get <id>")
    .description("one link")
    .action(async (id: string, _options, command: Command) => {
      const { client } = await connect(command);
      const link = unwrap(await client.GET("/api/links/{id}", { params: { path: { id } } }));
      emit(command, link, () => linkLine(link));
    });

  links
    .command("bulk <file>")
    .description(
      "create up to 100 links in one call from JSON Lines (one CreateLink object a line; - reads stdin); exit 5 if any failed",
    )
    .action(async (file: string, _options, command: Command) => {
      const text = file === "-" ? await readAll(io.stdin) : await readTextFile(file);
      const body: Schemas["BulkCreateLinks"] = { links: parseJsonLines(text) as Schemas["CreateLink"][] };
      const { client } = await connect(command);
      const result = unwrap(await client.POST("/api/links/bulk", { body }));
      emit(command, result, () =>
        [
          ...result.items.map((item) =>
            item.link
              ? `${item.index}  ${item.status}  ${item.link.url}`
              : `${item.index}  ${item.status}  ${item.problem?.code ?? "failed"}: ${item.problem?.detail ?? ""}`,
          ),
          `${result.created} created, ${result.failed} failed`,
        ].join("\n"),
      );
      if (result.failed > 0)
        throw new CliError(
          `${result.failed} of ${result.items.length} links failed.`,
          exitCodes.conflict,
          "bulk_failed",
        );
    });

  links
    .command("revoke [ids...]")
    .description(
      "revoke links by id (they stop at once), or every link matching --tag/--product/--file/--recipient (in the background: 202)",
    )
    .option("--tag <tag>", "every link of yours with this tag")
    .option("--product <id>", "every link of yours to this product")
    .option("--file <id>", "every link of yours to this file")
    .option("--recipient <who>", "every link of yours for exactly this recipient")
    .action(async (ids: string[], options, command: Command) => {
      const filter: Schemas["RevokeLinksFilter"] = {
        ...(options.tag ? { tag: options.tag } : {}),
        ...(options.product ? { productId: options.product } : {}),
        ...(options.file ? { fileId: options.file } : {}),
        ...(options.recipient ? { recipient: options.recipient } : {}),
      };
      const byFilter = Object.keys(filter).length > 0;
      if (byFilter === ids.length > 0)
        throw new CliError(
          "Give link ids, or a filter (--tag, --product, --file, --recipient), not both.",
          exitCodes.usage,
        );
      const { client } = await connect(command);
      if (byFilter) {
        // A filter is always answered 202 (the ids form answers 200 with per-item results).
        const accepted = unwrap(
          await client.POST("/api/links/revoke", { body: { filter } }),
        ) as Schemas["LinkRevocationAccepted"];
        emit(
          command,
          accepted,
          () =>
            `Revoking every matching link (revocation ${accepted.revocationId}); they stop within seconds.`,
        );
        return;
      }
      const revoked: Schemas["Link"][] = [];
      for (const id of ids)
        revoked.push(unwrap(await client.DELETE("/api/links/{id}", { params: { path: { id } } })));
      emit(command, { items: revoked }, () => revoked.map(linkLine).join("\n"));
    });

  links
    .command("rotate <id>")
    .description("revoke a link and mint a new token with the same settings; prints the new URL")
    .action(async (id: string, _options, command: Command) => {
      const { client } = await connect(command);
      const link = unwrap(await client.POST("/api/links/{id}/rotate", { params: { path: { id } } }));
      emit(command, link, () => link.url);
    });

  links
    .command("stats <id>")
    .description("downloads per day, refusals, distinct clients, countries, client classes")
    .option("--days <n>", "the window, in days back (default 30)", integerIn(1, 90))
    .action(async (id: string, options, command: Command) => {
      const { client } = await connect(command);
      const stats = unwrap(
        await client.GET("/api/links/{id}/stats", {
          params: { path: { id }, query: options.days ? { days: options.days } : {} },
        }),
      );
      emit(command, stats, () => statsText(stats));
    });

  links
    .command("events <id>")
    .description("the link's access log, newest first")
    .option("--limit <n>", "events per page", integerIn(1, 100))
    .addOption(
      new Option("--outcome <outcome>", "only these").choices([
        "granted",
        "revoked",
        "expired",
        "exhausted",
        "rate_limited",
      ]),
    )
    .action(async (id: string, options, command: Command) => {
      const { client } = await connect(command);
      const page = unwrap(
        await client.GET("/api/links/{id}/events", {
          params: {
            path: { id },
            query: {
              ...(options.limit ? { limit: options.limit } : {}),
              ...(options.outcome ? { outcome: options.outcome } : {}),
            },
          },
        }),
      );
      emit(command, page, () => page.items.map(eventLine).join("\n"));
    });

  return program;
}
