package dev.weft.proxy.tls;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * One entry of {@code match_typed_subject_alt_names}: a subject alternative name of a type (URI or DNS) and a
 * StringMatcher (exact, prefix, suffix, contains, safe_regex; ignore_case). A peer passes a list of them when
 * one of its SANs matches one of them (Envoy's semantics), so a client can insist on the SPIFFE IDs of the
 * service it calls. Immutable.
 */
public final class SanMatcher {
    private enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

    /** The GeneralName tags of the SAN types Weft matches. */
    private static final int DNS_NAME = 2;
    private static final int URI_NAME = 6;

    private final int sanType;
    private final Kind kind;
    private final String value;
    private final boolean ignoreCase;
    private final Pattern regex;

    private SanMatcher(int sanType, Kind kind, String value, boolean ignoreCase, Pattern regex) {
        this.sanType = sanType;
        this.kind = kind;
        this.value = value;
        this.ignoreCase = ignoreCase;
        this.regex = regex;
    }

    /** A URI SAN equal to {@code uri}: what a cluster expects of the service it calls. */
    public static SanMatcher uriExact(String uri) {
        return new SanMatcher(URI_NAME, Kind.EXACT, uri, false, null);
    }

    /** Compiles one SubjectAltNameMatcher; {@code path} names it in errors. */
    public static SanMatcher compile(SubjectAltNameMatcher m, String path) throws ConfigException {
        int type = switch (m.getSanType()) {
            case URI -> URI_NAME;
            case DNS -> DNS_NAME;
            default -> throw new ConfigException(path + ".san_type", m.getSanType()
                    + " is not supported by Weft (supported: URI, DNS)");
        };
        if (!m.hasMatcher()) {
            throw new ConfigException(path + ".matcher", "is required");
        }
        StringMatcher s = m.getMatcher();
        String mp = path + ".matcher";
        boolean ic = s.getIgnoreCase();
        return switch (s.getMatchPatternCase()) {
            case EXACT -> new SanMatcher(type, Kind.EXACT, nonEmpty(s.getExact(), mp + ".exact"), ic, null);
            case PREFIX -> new SanMatcher(type, Kind.PREFIX, nonEmpty(s.getPrefix(), mp + ".prefix"), ic, null);
            case SUFFIX -> new SanMatcher(type, Kind.SUFFIX, nonEmpty(s.getSuffix(), mp + ".suffix"), ic, null);
            case CONTAINS -> {
                String c = nonEmpty(s.getContains(), mp + ".contains");
                yield new SanMatcher(type, Kind.CONTAINS, ic ? c.toLowerCase(Locale.ROOT) : c, ic, null);
            }
            case SAFE_REGEX -> {
                String re = s.getSafeRegex().getRegex();
                if (re.isEmpty()) {
                    throw new ConfigException(mp + ".safe_regex.regex", "must not be empty");
                }
                try {
                    // as Envoy: the whole name must match; ignore_case does not apply to regexes
                    yield new SanMatcher(type, Kind.REGEX, re, false, Pattern.compile(re));
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(mp + ".safe_regex.regex", e.getDescription(), e);
                }
            }
            default -> throw new ConfigException(mp, "one of exact, prefix, suffix, contains, safe_regex is required");
        };
    }

    private static String nonEmpty(String v, String path) throws ConfigException {
        if (v.isEmpty()) {
            throw new ConfigException(path, "must not be empty");
        }
        return v;
    }

    /** Whether a SAN of this matcher's type in {@code cert} matches. */
    public boolean matches(X509Certificate cert) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names == null) {
            return false;
        }
        for (List<?> n : names) {
            if ((Integer) n.get(0) == sanType && n.get(1) instanceof String s && matches(s)) {
                return true;
            }
        }
        return false;
    }

    boolean matches(String s) {
        return switch (kind) {
            case EXACT -> ignoreCase ? value.equalsIgnoreCase(s) : value.equals(s);
            case PREFIX -> s.regionMatches(ignoreCase, 0, value, 0, value.length());
            case SUFFIX -> {
                int from = s.length() - value.length();
                yield from >= 0 && s.regionMatches(ignoreCase, from, value, 0, value.length());
            }
            case CONTAINS -> ignoreCase ? s.toLowerCase(Locale.ROOT).contains(value) : s.contains(value);
            case REGEX -> regex.matches(s);
        };
    }

    @Override
    public String toString() {
        return (sanType == URI_NAME ? "URI " : "DNS ") + kind.name().toLowerCase(Locale.ROOT) + " \"" + value + "\""
                + (ignoreCase ? " (ignore case)" : "");
    }
}
