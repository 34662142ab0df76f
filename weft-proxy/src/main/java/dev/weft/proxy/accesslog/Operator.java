package dev.weft.proxy.accesslog;

import dev.weft.proxy.observe.RequestInfo;

/**
 * One compiled Envoy command operator ({@code %RESPONSE_CODE%}, {@code %REQ(:PATH)%}...): reads one value of a
 * finished exchange. Operators are built once per config by {@link Operators#compile} and shared by every event
 * loop, so they hold no mutable state.
 */
abstract class Operator {
    /**
     * Appends the value, unquoted and unescaped, to {@code out}; returns false, appending nothing, when the
     * exchange has no value for it (a text format writes "-" then, a JSON format null).
     */
    abstract boolean append(RequestInfo info, StringBuilder out);

    /** Whether the value is a number, written as a JSON number when it is a JSON value of its own. */
    boolean numeric() {
        return false;
    }

    /** An operator whose value is a long; {@link #NONE} when absent. */
    abstract static class Numeric extends Operator {
        static final long NONE = Long.MIN_VALUE;

        abstract long value(RequestInfo info);

        @Override
        final boolean append(RequestInfo info, StringBuilder out) {
            long v = value(info);
            if (v == NONE) {
                return false;
            }
            out.append(v);
            return true;
        }

        @Override
        final boolean numeric() {
            return true;
        }
    }

    /** An operator whose value is a String (null when absent). */
    abstract static class Text extends Operator {
        abstract String value(RequestInfo info);

        @Override
        final boolean append(RequestInfo info, StringBuilder out) {
            String v = value(info);
            if (v == null) {
                return false;
            }
            out.append(v);
            return true;
        }
    }

    /** {@code %OP:N%}: the value cut to at most N characters. */
    static final class Truncated extends Operator {
        private final Operator inner;
        private final int max;

        Truncated(Operator inner, int max) {
            this.inner = inner;
            this.max = max;
        }

        @Override
        boolean append(RequestInfo info, StringBuilder out) {
            int start = out.length();
            if (!inner.append(info, out)) {
                return false;
            }
            if (out.length() - start > max) {
                out.setLength(start + max);
            }
            return true;
        }

        @Override
        boolean numeric() {
            // a cut number is still digits, but not the number: keep it a string
            return false;
        }
    }
}
