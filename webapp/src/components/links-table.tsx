import { useState } from "preact/hooks";
import { api, type CreatedLink, type Link, unwrap } from "../api/client.ts";
import { session } from "../lib/auth.ts";
import { formatDate } from "../lib/format.ts";
import { A } from "../lib/router.tsx";
import { useStore } from "../lib/store.ts";
import { ConfirmButton } from "./confirm-button.tsx";
import { type Column, Table } from "./paged-table.tsx";

async function revoke(link: Link): Promise<void> {
  unwrap(await api.DELETE("/api/links/{id}", { params: { path: { id: link.id } } }));
}

async function rotate(link: Link): Promise<CreatedLink> {
  return unwrap(await api.POST("/api/links/{id}/rotate", { params: { path: { id: link.id } } }));
}

/** Why a link works or not, in words ("revoked by you", "expired on …", "no downloads left"). */
export function linkState(link: Link, myId: string | undefined): string {
  switch (link.status) {
    case "active":
      return link.maxDownloads === undefined
        ? "active"
        : `active, ${link.maxDownloads - link.downloadCount} of ${link.maxDownloads} downloads left`;
    case "expired":
      return `expired on ${formatDate(link.expiresAt)}`;
    case "exhausted":
      return `no downloads left (all ${link.maxDownloads} used)`;
    case "revoked": {
      const when = link.revokedAt ? ` on ${formatDate(link.revokedAt)}` : "";
      if (link.revokedBy === "system") return `ended${when}: the product was deleted or refunded`;
      if (myId && link.revokedBy === myId) return `revoked by you${when}`;
      return link.ownedByCaller ? `revoked by the seller${when}` : `revoked by the buyer${when}`;
    }
  }
}

export type LinkFilter = "active" | "ended" | "all";

/** Active / ended / all, as a group of toggle buttons above a list of links. */
export function LinkFilters(props: {
  value: LinkFilter;
  onChange: (value: LinkFilter) => void;
  label: string;
}) {
  const options: [LinkFilter, string][] = [
    ["active", "Active"],
    ["ended", "Ended"],
    ["all", "All"],
  ];
  return (
    <fieldset class="filters">
      <legend class="visually-hidden">{props.label}</legend>
      {options.map(([value, text]) => (
        <button
          key={value}
          type="button"
          class={props.value === value ? "" : "secondary"}
          aria-pressed={props.value === value}
          onClick={() => props.onChange(value)}
        >
          {text}
        </button>
      ))}
    </fieldset>
  );
}

export function filterLinks(links: Link[], filter: LinkFilter): Link[] {
  if (filter === "all") return links;
  return links.filter((link) => (link.status === "active") === (filter === "active"));
}

/**
 * Links with their state in words; revoke (maker or the product's author) and rotate (maker) after
 * a confirmation; ended links can be removed from the list (they are already unusable).
 */
export function LinksTable(props: {
  links: Link[];
  caption: string;
  showProduct?: boolean;
  onChanged: () => void;
  onRotated?: (created: CreatedLink) => void;
}) {
  const current = useStore(session);
  const myId = current.signedIn ? current.userId : undefined;
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const links = props.links.filter((link) => !removed.has(link.id));
  if (links.length === 0) return <p class="empty">No links here.</p>;
  const columns: Column<Link>[] = [
    {
      label: "Label",
      cell: (link) => (
        <A href={`/links/${link.id}`} title="Downloads, devices and events of this link">
          {link.label ?? "(no label)"}
        </A>
      ),
    },
    { label: "Token ends", cell: (link) => <span class="mono">…{link.tokenHint}</span>, class: "nowrap" },
    ...(props.showProduct
      ? [
          {
            label: "Product",
            cell: (link: Link) =>
              link.target.kind === "file" ? (
                <span>{link.target.filename}</span>
              ) : (
                <A href={`/products/${encodeURIComponent(link.target.productId)}`}>
                  {link.target.productTitle}
                </A>
              ),
          },
        ]
      : []),
    {
      label: "Made by",
      cell: (link) => (link.ownedByCaller ? "you" : (link.ownerName ?? "a buyer")),
    },
    { label: "Created", cell: (link) => formatDate(link.createdAt) },
    {
      label: "Downloads",
      cell: (link) => `${link.downloadCount} / ${link.maxDownloads ?? "∞"}`,
      class: "nowrap",
    },
    {
      label: "Status",
      cell: (link) => <span class={`state ${link.status}`}>{linkState(link, myId)}</span>,
    },
  ];
  return (
    <Table
      caption={props.caption}
      columns={columns}
      items={links}
      rowKey={(link) => link.id}
      rowAttributes={(link) => ({ "data-link-id": link.id })}
      actions={(link) =>
        link.status === "active" ? (
          <>
            {link.ownedByCaller && props.onRotated && (
              <ConfirmButton
                label="Rotate"
                tooltip="Rotate: make a new URL with the same settings; the old URL stops working."
                question="Replace this link with a new one? The old URL stops working."
                onConfirm={async () => {
                  const created = await rotate(link);
                  props.onRotated?.(created);
                  props.onChanged();
                }}
              />
            )}
            <ConfirmButton
              label="Revoke"
              danger
              question="Revoke this link? Anyone holding it loses access."
              onConfirm={async () => {
                await revoke(link);
                props.onChanged();
              }}
            />
          </>
        ) : (
          <button
            type="button"
            class="secondary"
            title="This link no longer works: end it for good and take it off the list"
            onClick={async () => {
              // An exhausted or expired link could be revived by raising its limit: end it for good.
              if (link.status !== "revoked") await revoke(link).catch(() => undefined);
              setRemoved(new Set([...removed, link.id]));
            }}
          >
            Remove<span class="visually-hidden"> link ending {link.tokenHint}</span>
          </button>
        )
      }
    />
  );
}
