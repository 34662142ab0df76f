package dev.weft.proxy.metrics;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Writes metric families in the Prometheus text format 0.0.4 or in OpenMetrics 1.0 (what Prometheus asks for
 * first). The two differ in little: OpenMetrics names a counter family without its {@code _total} suffix (the
 * samples keep it) and ends with {@code # EOF}. Counter samples end in {@code _total} in both, so a query reads
 * the same whichever format was scraped. Each family is written once, its samples together.
 */
public final class MetricWriter {

    /** The exposition formats, with their content types. */
    public enum Format {
        PROMETHEUS("text/plain; version=0.0.4; charset=utf-8"),
        OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8");

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }

        /** OpenMetrics when the Accept header names it (Prometheus does, with text/plain as fallback). */
        public static Format negotiate(String accept) {
            return accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")
                    ? OPENMETRICS : PROMETHEUS;
        }
    }

    /** Metric types as both formats name them. */
    public enum Type {
        COUNTER("counter"), GAUGE("gauge"), HISTOGRAM("histogram");

        final String text;

        Type(String text) {
            this.text = text;
        }
    }

    private final Format format;
    private final StringBuilder out = new StringBuilder(16 * 1024);
    private final Set<String> written = new HashSet<>();
    private Type type;
    private String name;

    public MetricWriter(Format format) {
        this.format = format;
    }

    /**
     * Starts a family; its samples follow. A counter's name may be given with or without {@code _total}.
     *
     * @throws IllegalStateException when the family was written already (its samples must be together)
     */
    public MetricWriter family(Type type, String name, String help) {
        if (type == Type.COUNTER && name.endsWith("_total")) {
            name = name.substring(0, name.length() - "_total".length());
        }
        if (!written.add(name)) {
            throw new IllegalStateException("metric family " + name + " written twice");
        }
        this.type = type;
        this.name = name;
        String familyName = type == Type.COUNTER && format == Format.PROMETHEUS ? name + "_total" : name;
        out.append("# HELP ").append(familyName).append(' ');
        escapeHelp(help);
        out.append('\n');
        out.append("# TYPE ").append(familyName).append(' ').append(type.text).append('\n');
        return this;
    }

    /** A counter or gauge sample of the current family; {@code labels} as made by {@link #labels}. */
    public MetricWriter sample(String labels, double value) {
        if (type == Type.HISTOGRAM) {
            throw new IllegalStateException(name + " is a histogram");
        }
        out.append(name);
        if (type == Type.COUNTER) {
            out.append("_total");
        }
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /** A histogram sample of the current family: its buckets, count and sum. */
    public MetricWriter sample(String labels, Histogram.Snapshot s, Buckets buckets) {
        if (type != Type.HISTOGRAM) {
            throw new IllegalStateException(name + " is not a histogram");
        }
        String sep = labels.isEmpty() ? "" : ",";
        long[] c = s.cumulative();
        for (int i = 0; i < c.length; i++) {
            out.append(name).append("_bucket{").append(labels).append(sep).append("le=\"").append(buckets.leText[i])
                    .append("\"} ").append(c[i]).append('\n');
        }
        String braces = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name).append("_count").append(braces).append(' ').append(s.count()).append('\n');
        out.append(name).append("_sum").append(braces).append(' ').append(number(s.sum())).append('\n');
        return this;
    }

    /** The exposition (OpenMetrics: with its {@code # EOF}). */
    public String finish() {
        if (format == Format.OPENMETRICS) {
            out.append("# EOF\n");
        }
        return out.toString();
    }

    /** A label set: {@code a="x",b="y"} with the values escaped. */
    public static String labels(String[] names, String[] values) {
        StringBuilder sb = new StringBuilder(names.length * 24);
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(names[i]).append("=\"");
            escapeValue(sb, values[i]);
            sb.append('"');
        }
        return sb.toString();
    }

    /** One label, as {@link #labels}. */
    public static String label(String name, String value) {
        return labels(new String[] {name}, new String[] {value});
    }

    private static void escapeValue(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(ch);
            }
        }
    }

    private void escapeHelp(String help) {
        for (int i = 0; i < help.length(); i++) {
            char ch = help.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(format == Format.OPENMETRICS ? "\\\"" : "\"");
                default -> out.append(ch);
            }
        }
    }

    /**
     * A metric or label name made of what Prometheus allows ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}): every other
     * character becomes {@code _}.
     */
    public static String sanitize(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            boolean ok = ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch == ':'
                    || (i > 0 && ch >= '0' && ch <= '9');
            sb.append(ok ? ch : '_');
        }
        return sb.toString();
    }

    /** A sample value or bucket bound: integral values as {@code 12.0}, others in {@link Double#toString}'s form. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v) + ".0";
        }
        return Double.toString(v);
    }
}
