package dev.weft.proxy.accesslog;

import dev.weft.proxy.config.ConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * The time format of {@code %START_TIME(...)%}: the strftime specifiers Envoy's access logs use, always in UTC,
 * compiled once and written without allocating. Without an argument the format is Envoy's default,
 * {@code %Y-%m-%dT%H:%M:%S.%3fZ} (2026-11-27T08:15:30.123Z).
 */
final class StartTimeFormat {
    private static final String DEFAULT = "%Y-%m-%dT%H:%M:%S.%3fZ";

    /** One piece: a literal, or a field (its specifier char, and digits for %Nf). */
    private record Piece(String literal, char spec, int digits) {}

    private final Piece[] pieces;

    private StartTimeFormat(List<Piece> pieces) {
        this.pieces = pieces.toArray(new Piece[0]);
    }

    static StartTimeFormat compile(String format, String token, String path) throws ConfigException {
        String f = format.isEmpty() ? DEFAULT : format;
        List<Piece> pieces = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '%') {
                literal.append(c);
                continue;
            }
            if (++i >= f.length()) {
                throw new ConfigException(path, token + ": the time format ends with a lone %");
            }
            char s = f.charAt(i);
            int digits = 9;
            if (s >= '1' && s <= '9' && i + 1 < f.length() && f.charAt(i + 1) == 'f') {
                digits = s - '0';
                s = f.charAt(++i);
            }
            switch (s) {
                case '%' -> literal.append('%');
                case 'F' -> expand(pieces, literal, "Ymd", '-');
                case 'T' -> expand(pieces, literal, "HMS", ':');
                case 'Y', 'm', 'd', 'H', 'M', 'S', 'y', 'j', 'e', 'z', 'Z', 's', 'f' -> {
                    flush(pieces, literal);
                    pieces.add(new Piece(null, s, digits));
                }
                default -> throw new ConfigException(path, token + ": %" + s + " is not supported in a time format"
                        + " (supported: %Y %m %d %H %M %S %y %j %e %F %T %z %Z %s %f %1f-%9f %%)");
            }
        }
        flush(pieces, literal);
        return new StartTimeFormat(pieces);
    }

    private static void expand(List<Piece> pieces, StringBuilder literal, String specs, char sep) {
        for (int k = 0; k < specs.length(); k++) {
            if (k > 0) {
                literal.append(sep);
            }
            flush(pieces, literal);
            pieces.add(new Piece(null, specs.charAt(k), 9));
        }
    }

    private static void flush(List<Piece> pieces, StringBuilder literal) {
        if (!literal.isEmpty()) {
            pieces.add(new Piece(literal.toString(), '\0', 0));
            literal.setLength(0);
        }
    }

    /** Appends {@code epochMicros} (UTC) in this format. */
    void append(long epochMicros, StringBuilder out) {
        long seconds = Math.floorDiv(epochMicros, 1_000_000L);
        long micros = Math.floorMod(epochMicros, 1_000_000L);
        long days = Math.floorDiv(seconds, 86_400L);
        int secOfDay = (int) Math.floorMod(seconds, 86_400L);
        // civil_from_days (H. Hinnant): proleptic Gregorian date of a day count since 1970-01-01
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        for (Piece p : pieces) {
            if (p.literal != null) {
                out.append(p.literal);
                continue;
            }
            switch (p.spec) {
                case 'Y' -> out.append(year);
                case 'y' -> pad(out, Math.floorMod(year, 100), 2);
                case 'm' -> pad(out, month, 2);
                case 'd' -> pad(out, day, 2);
                case 'e' -> {
                    if (day < 10) {
                        out.append(' ');
                    }
                    out.append(day);
                }
                case 'j' -> pad(out, dayOfYear(year, month, day), 3);
                case 'H' -> pad(out, secOfDay / 3600, 2);
                case 'M' -> pad(out, secOfDay / 60 % 60, 2);
                case 'S' -> pad(out, secOfDay % 60, 2);
                case 'z' -> out.append("+0000");
                case 'Z' -> out.append("UTC");
                case 's' -> out.append(seconds);
                case 'f' -> {
                    // microseconds are what the proxy records; nanosecond digits beyond them are 0
                    long nanos = micros * 1000;
                    long div = 100_000_000L;
                    for (int k = 0; k < p.digits; k++) {
                        out.append((char) ('0' + nanos / div % 10));
                        div /= 10;
                    }
                }
                default -> throw new IllegalStateException("compiled spec " + p.spec);
            }
        }
    }

    private static final int[] CUMULATIVE_DAYS = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

    private static int dayOfYear(long year, int month, int day) {
        int[] cumulative = CUMULATIVE_DAYS;
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return cumulative[month - 1] + day + (leap && month > 2 ? 1 : 0);
    }

    private static void pad(StringBuilder out, long v, int width) {
        for (long limit = width == 3 ? 100 : 10; limit > 1 && v < limit; limit /= 10) {
            out.append('0');
        }
        out.append(v);
    }
}
