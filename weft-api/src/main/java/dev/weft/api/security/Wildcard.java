package dev.weft.api.security;

/**
 * A principal, namespace, host, path or header value as Istio writes them: exact, {@code prefix*},
 * {@code *suffix}, or {@code *} alone for any value. A '*' anywhere else is a literal character to this class; the
 * codec refuses it where the field's syntax does not allow it.
 *
 * @param text the value without its '*' (empty for {@link Kind#ANY})
 */
public record Wildcard(Kind kind, String text) {

    /** How a value is matched. */
    public enum Kind {
        EXACT, PREFIX, SUFFIX, ANY
    }

    public static Wildcard parse(String value) {
        if (value.equals("*")) {
            return new Wildcard(Kind.ANY, "");
        }
        if (value.endsWith("*")) {
            return new Wildcard(Kind.PREFIX, value.substring(0, value.length() - 1));
        }
        if (value.startsWith("*")) {
            return new Wildcard(Kind.SUFFIX, value.substring(1));
        }
        return new Wildcard(Kind.EXACT, value);
    }
}
