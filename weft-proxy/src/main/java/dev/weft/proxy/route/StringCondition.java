package dev.weft.proxy.route;

import com.google.re2j.Pattern;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Locale;

/** A compiled StringMatcher (exact, prefix, suffix, contains, safe_regex; ignore_case). Immutable. */
public final class StringCondition {
    private enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

    private final Kind kind;
    private final String value;
    private final boolean ignoreCase;
    private final Pattern regex;

    private StringCondition(Kind kind, String value, boolean ignoreCase, Pattern regex) {
        this.kind = kind;
        this.value = value;
        this.ignoreCase = ignoreCase;
        this.regex = regex;
    }

    // Case-sensitive conditions for HeaderMatcher's pre-string_match fields (exact_match, ...).

    static StringCondition exact(String v) {
        return new StringCondition(Kind.EXACT, v, false, null);
    }

    static StringCondition prefix(String v) {
        return new StringCondition(Kind.PREFIX, v, false, null);
    }

    static StringCondition suffix(String v) {
        return new StringCondition(Kind.SUFFIX, v, false, null);
    }

    static StringCondition contains(String v) {
        return new StringCondition(Kind.CONTAINS, v, false, null);
    }

    static StringCondition regex(Pattern p) {
        return new StringCondition(Kind.REGEX, null, false, p);
    }

    /** Compiles {@code m}; a {@link ConfigException}'s path starts at {@code path}, which names the matcher. */
    public static StringCondition compile(StringMatcher m, String path) throws ConfigException {
        boolean ic = m.getIgnoreCase();
        switch (m.getMatchPatternCase()) {
            case EXACT:
                return new StringCondition(Kind.EXACT, m.getExact(), ic, null);
            case PREFIX:
                return new StringCondition(Kind.PREFIX, nonEmpty(m.getPrefix(), path + ".prefix"), ic, null);
            case SUFFIX:
                return new StringCondition(Kind.SUFFIX, nonEmpty(m.getSuffix(), path + ".suffix"), ic, null);
            case CONTAINS:
                // contains has no region-matching primitive, so ignore_case compares lower-cased copies.
                String c = nonEmpty(m.getContains(), path + ".contains");
                return new StringCondition(Kind.CONTAINS, ic ? c.toLowerCase(Locale.ROOT) : c, ic, null);
            case SAFE_REGEX:
                // Envoy ignores ignore_case for safe_regex; (?i) inside the regex is the way.
                return regex(Regexes.compile(m.getSafeRegex(), path + ".safe_regex"));
            case CUSTOM:
                throw new ConfigException(path + ".custom", "custom string matchers are not supported");
            default:
                throw new ConfigException(path, "one of exact, prefix, suffix, contains, safe_regex is required");
        }
    }

    private static String nonEmpty(String v, String path) throws ConfigException {
        if (v.isEmpty()) {
            throw new ConfigException(path, "must not be empty");
        }
        return v;
    }

    /** Whether {@code s} matches (a safe_regex must match the whole of it, as in Envoy). */
    public boolean matches(String s) {
        switch (kind) {
            case EXACT:
                return ignoreCase ? value.equalsIgnoreCase(s) : value.equals(s);
            case PREFIX:
                return s.regionMatches(ignoreCase, 0, value, 0, value.length());
            case SUFFIX:
                int from = s.length() - value.length();
                return from >= 0 && s.regionMatches(ignoreCase, from, value, 0, value.length());
            case CONTAINS:
                return ignoreCase ? s.toLowerCase(Locale.ROOT).contains(value) : s.contains(value);
            default:
                return regex.matches(s);
        }
    }
}
