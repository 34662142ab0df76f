package dev.weft.testkit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/** Parses and prints human-written durations such as {@code 200ms}, {@code 1.5s} or {@code 2m}. */
public final class Durations {

    private static final String EXPECTED =
            "expected a non-negative number followed by a unit (ns, us, ms, s, m, h), e.g. 200ms, 1.5s, 2m";

    private Durations() {
    }

    /**
     * Parses {@code <number><unit>} where the number may have a fraction and the unit is one of
     * ns, us, ms, s, m, h; a bare {@code 0} is also accepted. Fractions finer than a nanosecond round
     * to the nearest nanosecond.
     *
     * @throws IllegalArgumentException naming the text and the expected form when it does not parse
     */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("duration: null (" + EXPECTED + ")");
        }
        String s = text.trim();
        int unitStart = 0;
        while (unitStart < s.length() && (Character.isDigit(s.charAt(unitStart)) || s.charAt(unitStart) == '.')) {
            unitStart++;
        }
        String number = s.substring(0, unitStart);
        String unit = s.substring(unitStart);
        if (number.isEmpty() || number.startsWith(".") || number.endsWith(".")) {
            throw invalid(text);
        }
        BigDecimal value;
        try {
            value = new BigDecimal(number);
        } catch (NumberFormatException e) {
            throw invalid(text);
        }
        long nanosPerUnit;
        switch (unit) {
            case "ns": nanosPerUnit = 1L; break;
            case "us": nanosPerUnit = 1_000L; break;
            case "ms": nanosPerUnit = 1_000_000L; break;
            case "s": nanosPerUnit = 1_000_000_000L; break;
            case "m": nanosPerUnit = 60_000_000_000L; break;
            case "h": nanosPerUnit = 3_600_000_000_000L; break;
            case "":
                if (value.signum() == 0) {
                    return Duration.ZERO;
                }
                throw new IllegalArgumentException("invalid duration '" + text + "': missing unit; " + EXPECTED);
            default:
                throw new IllegalArgumentException(
                        "invalid duration '" + text + "': unknown unit '" + unit + "'; " + EXPECTED);
        }
        try {
            long nanos = value.multiply(BigDecimal.valueOf(nanosPerUnit))
                    .setScale(0, RoundingMode.HALF_UP)
                    .longValueExact();
            return Duration.ofNanos(nanos);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("invalid duration '" + text + "': too large", e);
        }
    }

    /** Prints a duration in the largest unit that keeps it exact, in the form {@link #parse} reads. */
    public static String format(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % 3_600_000_000_000L == 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid duration '" + text + "': " + EXPECTED);
    }
}
