package dev.weft.proxy.tracing;

/** Lower-case hexadecimal of trace and span ids, parsed without regular expressions or allocation. */
final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /** The 16 lower-case hex digits of {@code v}. */
    static String of(long v) {
        char[] c = new char[16];
        write(v, c, 0);
        return new String(c);
    }

    /** 32 hex digits ({@code high} first), or 16 when {@code high} is 0 and {@code shortWhenPossible}. */
    static String of(long high, long low, boolean shortWhenPossible) {
        if (high == 0 && shortWhenPossible) {
            return of(low);
        }
        char[] c = new char[32];
        write(high, c, 0);
        write(low, c, 16);
        return new String(c);
    }

    static void write(long v, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = (byte) DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    static void write(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    /** The value of the 16 hex digits at {@code s[from, from + 16)}, which {@link #isHex} has accepted. */
    static long parse16(CharSequence s, int from) {
        long v = 0;
        for (int i = from; i < from + 16; i++) {
            v = (v << 4) | digit(s.charAt(i), false);
        }
        return v;
    }

    /** The value of the 2 hex digits at {@code from}, or -1. */
    static int parse2(CharSequence s, int from, boolean lowerOnly) {
        int a = digit(s.charAt(from), lowerOnly);
        int b = digit(s.charAt(from + 1), lowerOnly);
        return a < 0 || b < 0 ? -1 : (a << 4) | b;
    }

    /** Whether {@code s[from, to)} are all hex digits. */
    static boolean isHex(CharSequence s, int from, int to, boolean lowerOnly) {
        for (int i = from; i < to; i++) {
            if (digit(s.charAt(i), lowerOnly) < 0) {
                return false;
            }
        }
        return true;
    }

    private static int digit(char c, boolean lowerOnly) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (!lowerOnly && c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
