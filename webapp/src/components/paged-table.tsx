import type { ComponentChildren } from "preact";
import type { Page, usePaged } from "../lib/use-paged.ts";
import { MoreButton } from "./more-button.tsx";
import { Show } from "./status.tsx";

export interface Column<T> {
  label: string;
  cell: (item: T) => ComponentChildren;
  class?: string;
}

interface TableProps<T> {
  caption: string;
  columns: Column<T>[];
  items: T[];
  rowKey: (item: T) => string;
  /** The row's buttons, in a last column (on a phone: the card's footer). */
  actions?: (item: T) => ComponentChildren;
  /** Attributes for the row, e.g. data-link-id. */
  rowAttributes?: (item: T) => Record<string, string>;
}

/**
 * A table on a desktop; on a phone each row becomes a card whose cells carry their column's name
 * (data-label, shown by the stylesheet), so nothing scrolls sideways.
 */
export function Table<T>(props: TableProps<T>) {
  return (
    <div class="table-wrap">
      <table class="responsive">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.label} scope="col">
                {column.label}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.items.map((item) => (
            <tr key={props.rowKey(item)} {...props.rowAttributes?.(item)}>
              {props.columns.map((column) => (
                <td key={column.label} data-label={column.label} class={column.class}>
                  {column.cell(item)}
                </td>
              ))}
              {props.actions && <td class="actions">{props.actions(item)}</td>}
            </tr>
          ))}
        </tbody>
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
