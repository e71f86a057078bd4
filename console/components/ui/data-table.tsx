'use client';

import { Table, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';

export interface Column<Row> {
  /** The column's heading. */
  header: ReactNode;
  /** The cell of a row. */
  cell: (row: Row) => ReactNode;
  /** The cell that names its row (a `<th scope="row">`, read out before the others). */
  rowHeader?: boolean;
  /** Keeps dates and badges on one line. */
  nowrap?: boolean;
}

/**
 * The console's list of things with actions on each row (tokens, keys, users, collaborators):
 * scrolls sideways inside itself on a phone instead of widening the page, and names the
 * actions column for screen readers.
 */
export function DataTable<Row>({
  label,
  caption,
  minWidth = 560,
  columns,
  rows,
  rowKey,
  rowProps,
  actions,
}: {
  /** The table's accessible name. */
  label?: string;
  caption?: ReactNode;
  minWidth?: number;
  columns: Array<Column<Row>>;
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  /** Extra attributes of a row (data attributes, a highlight). */
  rowProps?: (row: Row) => Record<string, unknown>;
  /** The buttons or menu of a row, in a last column. */
  actions?: (row: Row) => ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth} type="native">
      <Table aria-label={label} withTableBorder verticalSpacing={6} fz="sm" captionSide="bottom">
        {caption && <Table.Caption>{caption}</Table.Caption>}
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, index) => (
              <Table.Th key={index} scope="col">
                {column.header}
              </Table.Th>
            ))}
            {actions && (
              <Table.Th scope="col">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((column, index) => {
                const style = column.nowrap ? { whiteSpace: 'nowrap' as const } : undefined;
                return column.rowHeader ? (
                  <Table.Th key={index} scope="row" fw={600} style={style}>
                    {column.cell(row)}
                  </Table.Th>
                ) : (
                  <Table.Td key={index} style={style}>
                    {column.cell(row)}
                  </Table.Td>
                );
              })}
              {actions && <Table.Td>{actions(row)}</Table.Td>}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
