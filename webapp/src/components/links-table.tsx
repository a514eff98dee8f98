import { api, type CreatedLink, type Link, unwrap } from "../api/client.ts";
import { formatDate } from "../lib/format.ts";
import { A } from "../lib/router.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { Table } from "./paged-table.tsx";

async function revoke(link: Link): Promise<void> {
  unwrap(await api.DELETE("/api/links/{id}", { params: { path: { id: link.id } } }));
}

async function rotate(link: Link): Promise<CreatedLink> {
  return unwrap(await api.POST("/api/links/{id}/rotate", { params: { path: { id: link.id } } }));
}

/** Links with their state; revoke (maker or the product's author) and rotate (maker) after a confirmation. */
export function LinksTable(props: {
  links: Link[];
  caption: string;
  showProduct?: boolean;
  onChanged: () => void;
  onRotated?: (created: CreatedLink) => void;
}) {
  if (props.links.length === 0) return <p class="empty">No links yet.</p>;
  const product = props.showProduct ? ["Product"] : [];
  return (
    <Table
      caption={props.caption}
      columns={["Label", "Token ends", ...product, "Made by", "Created", "Expires", "Downloads", "Status"]}
      actions
      items={props.links}
      row={(link) => (
        <tr key={link.id} data-link-id={link.id}>
          <td>{link.label ?? <span class="muted">(no label)</span>}</td>
          <td class="mono">…{link.tokenHint}</td>
          {props.showProduct && (
            <td>
              <A href={`/products/${encodeURIComponent(link.productId)}`}>{link.productTitle}</A>
            </td>
          )}
          <td>{link.ownedByCaller ? "you" : "a buyer"}</td>
          <td>{formatDate(link.createdAt)}</td>
          <td>{link.expiresAt ? formatDate(link.expiresAt) : "never"}</td>
          <td>
            {link.downloadCount} / {link.maxDownloads ?? "∞"}
          </td>
          <td>
            <span class={`badge ${link.status}`}>{link.status}</span>
          </td>
          <td class="actions">
            {link.status === "active" && (
              <>
                {link.ownedByCaller && props.onRotated && (
                  <ConfirmButton
                    label="Rotate"
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
            )}
          </td>
        </tr>
      )}
    />
  );
}
