/**
 * The frame both device tables share: a titled card with help text, an empty-state line, or a
 * small table with the given column headers (the last one right-aligned for actions).
 */
import { Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import type { ReactNode } from 'react';

export function DevicesSection({
  testId,
  title,
  help,
  empty,
  columns,
  children,
  footer,
  mb = 0,
}: {
  /** The section's test id; its table is `${testId}-table`, its empty line `${testId}-empty`. */
  testId: string;
  title: string;
  help: string;
  /** The empty-state text, or null when there are rows. */
  empty: string | null;
  columns: string[];
  children: ReactNode;
  footer?: ReactNode;
  mb?: number;
}) {
  return (
    <Paper sx={{ p: 2, mb }} data-testid={testId}>
      <Typography variant="h3">{title}</Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5, mb: 2 }}>
        {help}
      </Typography>
      {empty !== null ? (
        <Typography variant="body2" color="text.secondary" data-testid={`${testId}-empty`}>
          {empty}
        </Typography>
      ) : (
        <TableContainer>
          <Table size="small" data-testid={`${testId}-table`}>
            <TableHead>
              <TableRow>
                {columns.map((column, index) => (
                  <TableCell key={column} align={index === columns.length - 1 ? 'right' : undefined}>
                    {column}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>{children}</TableBody>
          </Table>
        </TableContainer>
      )}
      {footer}
    </Paper>
  );
}
