package dev.weft.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with left-aligned columns, as kubectl and istioctl print them. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(String... cells) {
        if (cells.length != rows.get(0).length) {
            throw new IllegalArgumentException("row of " + cells.length + " cells (expected: " + rows.get(0).length + ")");
        }
        rows.add(cells);
        return this;
    }

    void print(PrintWriter out) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i] == null ? 0 : row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String cell = row[i] == null ? "" : row[i];
                line.append(cell);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - cell.length() + 3));
                }
            }
            out.println(line);
        }
    }
}
