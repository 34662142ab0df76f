package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;

/**
 * A compiled HeaderMatcher. As in Envoy, a missing header fails every value matcher whether
 * inverted or not (unless treat_missing_header_as_empty), and only present_match looks at absence.
 * Routes use it, and so does RBAC (header principals and permissions). Immutable.
 */
public final class HeaderCondition {
    private final String name;
    /** null for a presence matcher. */
    private final StringCondition value;
    private final boolean present;
    private final boolean invert;
    private final boolean missingAsEmpty;

    private HeaderCondition(String name, StringCondition value, boolean present, boolean invert, boolean missingAsEmpty) {
        this.name = name;
        this.value = value;
        this.present = present;
        this.invert = invert;
        this.missingAsEmpty = missingAsEmpty;
    }

    /** Compiles {@code m}; a {@link ConfigException}'s path starts at {@code path}, which names the matcher. */
    @SuppressWarnings("deprecation") // the pre-string_match fields are still what many configs use
    public static HeaderCondition compile(HeaderMatcher m, String path) throws ConfigException {
        String name = headerName(m.getName(), path + ".name");
        StringCondition value;
        boolean present = true;
        switch (m.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH:
                value = StringCondition.compile(m.getStringMatch(), path + ".string_match");
                break;
            case EXACT_MATCH:
                value = StringCondition.exact(m.getExactMatch());
                break;
            case PREFIX_MATCH:
                value = StringCondition.prefix(nonEmpty(m.getPrefixMatch(), path + ".prefix_match"));
                break;
            case SUFFIX_MATCH:
                value = StringCondition.suffix(nonEmpty(m.getSuffixMatch(), path + ".suffix_match"));
                break;
            case CONTAINS_MATCH:
                value = StringCondition.contains(nonEmpty(m.getContainsMatch(), path + ".contains_match"));
                break;
            case SAFE_REGEX_MATCH:
                value = StringCondition.regex(Regexes.compile(m.getSafeRegexMatch(), path + ".safe_regex_match"));
                break;
            case PRESENT_MATCH:
                value = null;
                present = m.getPresentMatch();
                break;
            case RANGE_MATCH:
                throw new ConfigException(path + ".range_match", "range matching is not supported");
            default:
                // Envoy: a matcher with no specifier requires the header to be present.
                value = null;
                break;
        }
        return new HeaderCondition(name, value, present, m.getInvertMatch(), m.getTreatMissingHeaderAsEmpty());
    }

    /** Lower-cases a header name and rejects pseudo-headers that have no meaning here. */
    static String headerName(String raw, String path) throws ConfigException {
        if (raw.isEmpty()) {
            throw new ConfigException(path, "must not be empty");
        }
        String n = raw.toLowerCase(Locale.ROOT);
        if (n.startsWith(":") && !RequestView.isSupportedPseudoHeader(n)) {
            throw new ConfigException(path, "pseudo-header " + raw + " is not supported (supported: :authority, :method, :path)");
        }
        return n;
    }

    private static String nonEmpty(String v, String path) throws ConfigException {
        if (v.isEmpty()) {
            throw new ConfigException(path, "must not be empty");
        }
        return v;
    }

    boolean matches(RequestView req) {
        return matchesValue(req.header(name));
    }

    /**
     * Whether {@code request} matches, its headers seen as Envoy sees them: :authority, :method and :path from
     * the request line and Host, the values of a repeated header joined with ",".
     */
    public boolean matches(HttpRequest request) {
        return matchesValue(RequestView.headerJoined(request, name));
    }

    private boolean matchesValue(String v) {
        if (value == null) {
            return (v != null) == present != invert;
        }
        if (v == null) {
            if (!missingAsEmpty) {
                return false;
            }
            v = "";
        }
        return value.matches(v) != invert;
    }
}
