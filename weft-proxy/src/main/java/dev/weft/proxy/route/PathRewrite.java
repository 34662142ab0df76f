package dev.weft.proxy.route;

/**
 * prefix_rewrite or regex_rewrite of a route or redirect, applied to an origin-form URI. The query
 * string is kept: prefix_rewrite swaps only the part the route matched, regex_rewrite rewrites
 * only the path.
 */
final class PathRewrite {
    private final String prefix;
    private final Regexes.Substitution regex;

    private PathRewrite(String prefix, Regexes.Substitution regex) {
        this.prefix = prefix;
        this.regex = regex;
    }

    static PathRewrite prefix(String replacement) {
        return new PathRewrite(replacement, null);
    }

    static PathRewrite regex(Regexes.Substitution substitution) {
        return new PathRewrite(null, substitution);
    }

    /** The rewritten URI for {@code uri}, which matched {@code matcher}. */
    String apply(String uri, PathMatcher matcher) {
        int pathEnd = pathEnd(uri);
        String path = uri.substring(0, pathEnd);
        if (prefix != null) {
            int n = Math.min(matcher.matchedLength(path), pathEnd);
            return prefix + uri.substring(n);
        }
        return regex.replaceAll(path) + uri.substring(pathEnd);
    }

    static int pathEnd(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return uri.length();
    }
}
