package dev.weft.api.gateway;

/** How a request path is matched; Exact and PathPrefix values are absolute paths, RegularExpression values RE2 syntax. */
public record PathMatch(PathMatchType type, String value) {

    /** The Gateway API default: every path. */
    public static final PathMatch DEFAULT = new PathMatch(PathMatchType.PATH_PREFIX, "/");
}
