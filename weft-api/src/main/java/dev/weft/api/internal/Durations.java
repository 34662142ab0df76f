package dev.weft.api.internal;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway API durations (GEP-2257): one to four {@code <1-5 digits><h|m|s|ms>} parts, such as "10s", "500ms" or
 * "1h30m"; a strict subset of Go's time.ParseDuration.
 */
public final class Durations {

    /** The start of the message for a value that is not a duration. */
    public static final String FORMAT_MESSAGE = "must be a duration such as \"10s\", \"500ms\" or \"1h30m\" (GEP-2257)";

    /** The largest duration written in canonical form with at most 5 digits per unit. */
    public static final Duration MAX = Duration.ofHours(99_999).plusMinutes(59).plusSeconds(59).plusMillis(999);

    private static final Pattern WHOLE = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");
    private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

    private Durations() {
    }

    /** The duration, or null when the text is not a GEP-2257 duration or exceeds {@link #MAX}. */
    public static Duration parse(String text) {
        if (!WHOLE.matcher(text).matches()) {
            return null;
        }
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            long n = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
        }
        return total.compareTo(MAX) > 0 ? null : total;
    }

    /** The canonical GEP-2257 spelling: largest units first, zero parts left out, "0s" for zero. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        long millis = duration.toMillis();
        StringBuilder text = new StringBuilder();
        append(text, millis / 3_600_000, "h");
        append(text, millis / 60_000 % 60, "m");
        append(text, millis / 1000 % 60, "s");
        append(text, millis % 1000, "ms");
        return text.toString();
    }

    private static void append(StringBuilder text, long n, String unit) {
        if (n > 0) {
            text.append(n).append(unit);
        }
    }
}
