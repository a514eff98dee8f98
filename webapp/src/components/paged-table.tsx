import type { ComponentChildren, VNode } from "preact";
import type { Page, usePaged } from "../lib/use-paged.ts";
import { MoreButton } from "./more-button.tsx";
import { Show } from "./status.tsx";

interface TableProps<T> {
  caption: string;
  columns: string[];
  /** Adds a last column for row buttons; its header is for screen readers only. */
  actions?: boolean;
  items: T[];
  /** The whole `<tr>`, so the caller sets its key and attributes. */
  row: (item: T) => VNode;
}

export function Table<T>(props: TableProps<T>) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.items.map((item) => props.row(item))}</tbody>
      </table>
    </div>
  );
}

/** A cursor-paged list as a table: loading and error states, a message when empty, and "Load more". */
export function PagedTable<T>({
  list,
  what,
  empty,
  above,
  ...table
}: Omit<TableProps<T>, "items"> & {
  list: ReturnType<typeof usePaged<T>>;
  /** The loading text. */
  what: string;
  /** The content of the `<p class="empty">` shown instead of an empty table. */
  empty: ComponentChildren;
  /** Shown above the table, e.g. totals of the loaded rows. */
  above?: (page: Page<T>) => ComponentChildren;
}) {
  return (
    <Show loaded={list.loaded} reload={list.reload} what={what}>
      {(page) =>
        page.items.length === 0 ? (
          <p class="empty">{empty}</p>
        ) : (
          <>
            {above?.(page)}
            <Table {...table} items={page.items} />
            <MoreButton list={list} />
          </>
        )
      }
    </Show>
  );
}
