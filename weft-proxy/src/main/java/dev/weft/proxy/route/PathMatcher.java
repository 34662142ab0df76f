package dev.weft.proxy.route;

import com.google.re2j.Pattern;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;

/** The path_specifier of a RouteMatch, matched against the path without its query string. */
abstract class PathMatcher {
    abstract boolean matches(String path);

    /** How many leading characters of a matching {@code path} a prefix_rewrite replaces. */
    abstract int matchedLength(String path);

    static PathMatcher compile(RouteMatch m, String path) throws ConfigException {
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        switch (m.getPathSpecifierCase()) {
            case PREFIX:
                return new Prefix(m.getPrefix(), caseSensitive);
            case PATH:
                return new Exact(m.getPath(), caseSensitive);
            case SAFE_REGEX:
                return new Regex(Regexes.compile(m.getSafeRegex(), path + ".safe_regex"));
            case PATH_SEPARATED_PREFIX:
                String p = m.getPathSeparatedPrefix();
                if (p.isEmpty() || p.indexOf('?') >= 0 || p.indexOf('#') >= 0 || p.endsWith("/")) {
                    throw new ConfigException(path + ".path_separated_prefix",
                            "'" + p + "' must be non-empty, contain no '?' or '#' and not end in '/'");
                }
                return new SeparatedPrefix(p, caseSensitive);
            case CONNECT_MATCHER:
                throw new ConfigException(path + ".connect_matcher", "CONNECT routes are not supported");
            case PATH_MATCH_POLICY:
                throw new ConfigException(path + ".path_match_policy", "path match policy extensions are not supported");
            default:
                throw new ConfigException(path, "one of prefix, path, safe_regex, path_separated_prefix is required");
        }
    }

    private static final class Prefix extends PathMatcher {
        private final String prefix;
        private final boolean ignoreCase;

        Prefix(String prefix, boolean caseSensitive) {
            this.prefix = prefix;
            this.ignoreCase = !caseSensitive;
        }

        @Override
        boolean matches(String path) {
            return path.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
        }

        @Override
        int matchedLength(String path) {
            return prefix.length();
        }
    }

    private static final class Exact extends PathMatcher {
        private final String exact;
        private final boolean ignoreCase;

        Exact(String exact, boolean caseSensitive) {
            this.exact = exact;
            this.ignoreCase = !caseSensitive;
        }

        @Override
        boolean matches(String path) {
            return ignoreCase ? exact.equalsIgnoreCase(path) : exact.equals(path);
        }

        @Override
        int matchedLength(String path) {
            return path.length();
        }
    }

    private static final class Regex extends PathMatcher {
        private final Pattern pattern;

        Regex(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        boolean matches(String path) {
            return pattern.matches(path);
        }

        @Override
        int matchedLength(String path) {
            return path.length();
        }
    }

    private static final class SeparatedPrefix extends PathMatcher {
        private final String prefix;
        private final boolean ignoreCase;

        SeparatedPrefix(String prefix, boolean caseSensitive) {
            this.prefix = prefix;
            this.ignoreCase = !caseSensitive;
        }

        @Override
        boolean matches(String path) {
            int n = prefix.length();
            return path.regionMatches(ignoreCase, 0, prefix, 0, n) && (path.length() == n || path.charAt(n) == '/');
        }

        @Override
        int matchedLength(String path) {
            return prefix.length();
        }
    }
}
