package dev.weft.controlplane.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader of the Prometheus text exposition format 0.0.4 (and the sample lines of OpenMetrics 1.0, which share its
 * syntax): each sample line becomes a {@link Sample}; comments ({@code # HELP}, {@code # TYPE}, {@code # EOF}) and
 * blank lines are skipped, a timestamp after the value is ignored. Label values are unescaped ({@code \\},
 * {@code \"}, {@code \n}).
 */
public final class PrometheusText {

    /** One sample: the metric name (with its {@code _bucket}/{@code _sum}/{@code _count} suffix), labels, value. */
    public record Sample(String name, Map<String, String> labels, double value) {

        public Sample {
            labels = Collections.unmodifiableMap(labels);
        }

        /** A label's value, "" when the sample does not have it (as PromQL treats a missing label). */
        public String label(String label) {
            return labels.getOrDefault(label, "");
        }
    }

    private PrometheusText() {
    }

    /**
     * Reads every sample of {@code text}.
     *
     * @throws IllegalArgumentException naming the line (1-based) and what is wrong with it
     */
    public static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        int line = 0;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            line++;
            String l = text.substring(start, end);
            start = end + 1;
            if (l.endsWith("\r")) {
                l = l.substring(0, l.length() - 1);
            }
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            try {
                samples.add(sample(l));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + line + ": " + e.getMessage() + ": " + abbreviate(l), e);
            }
        }
        return samples;
    }

    private static Sample sample(String l) {
        int i = 0;
        int n = l.length();
        while (i < n && isNameChar(l.charAt(i), i == 0)) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expected a metric name");
        }
        String name = l.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < n && l.charAt(i) == '{') {
            i++;
            while (true) {
                i = skipSpaces(l, i);
                if (i < n && l.charAt(i) == '}') {
                    i++;
                    break;
                }
                int nameStart = i;
                while (i < n && isNameChar(l.charAt(i), i == nameStart)) {
                    i++;
                }
                if (i == nameStart) {
                    throw new IllegalArgumentException("expected a label name at column " + (i + 1));
                }
                String label = l.substring(nameStart, i);
                i = skipSpaces(l, i);
                if (i >= n || l.charAt(i) != '=') {
                    throw new IllegalArgumentException("expected '=' after label " + label);
                }
                i = skipSpaces(l, i + 1);
                if (i >= n || l.charAt(i) != '"') {
                    throw new IllegalArgumentException("expected '\"' to open the value of label " + label);
                }
                i++;
                StringBuilder value = new StringBuilder();
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated value of label " + label);
                    }
                    char c = l.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (i >= n) {
                            throw new IllegalArgumentException("unterminated escape in label " + label);
                        }
                        char e = l.charAt(i++);
                        value.append(switch (e) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("unknown escape \\" + e + " in label "
                                    + label);
                        });
                    } else {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = skipSpaces(l, i);
                if (i < n && l.charAt(i) == ',') {
                    i++;
                } else if (i >= n || l.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' after the value of label " + label);
                }
            }
        }
        if (i >= n || (l.charAt(i) != ' ' && l.charAt(i) != '\t')) {
            throw new IllegalArgumentException("expected a space and the value after " + name);
        }
        i = skipSpaces(l, i);
        int valueEnd = i;
        while (valueEnd < n && l.charAt(valueEnd) != ' ' && l.charAt(valueEnd) != '\t') {
            valueEnd++;
        }
        return new Sample(name, labels, value(l.substring(i, valueEnd)));
    }

    private static double value(String text) {
        switch (text) {
            case "+Inf", "Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "NaN" -> {
                return Double.NaN;
            }
            default -> {
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("value '" + text + "' is not a number");
                }
            }
        }
    }

    /** Parses a bucket bound ({@code le}) as the exposition writes it. */
    static double bound(String le) {
        return value(le);
    }

    private static boolean isNameChar(char c, boolean first) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
                || (!first && c >= '0' && c <= '9');
    }

    private static int skipSpaces(String l, int i) {
        while (i < l.length() && (l.charAt(i) == ' ' || l.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static String abbreviate(String l) {
        return l.length() <= 120 ? l : l.substring(0, 117) + "...";
    }
}
