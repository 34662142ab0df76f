package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.netty.handler.codec.http.HttpHeaderNames;

/** A compiled RouteMatch: path specifier, then header, query-parameter and gRPC conditions, all of which must hold. */
final class RouteMatcher {
    private static final HeaderCondition[] NO_HEADERS = new HeaderCondition[0];
    private static final QueryCondition[] NO_QUERY = new QueryCondition[0];

    final PathMatcher path;
    private final HeaderCondition[] headers;
    private final QueryCondition[] query;
    private final boolean grpc;

    private RouteMatcher(PathMatcher path, HeaderCondition[] headers, QueryCondition[] query, boolean grpc) {
        this.path = path;
        this.headers = headers;
        this.query = query;
        this.grpc = grpc;
    }

    static RouteMatcher compile(RouteMatch m, String path) throws ConfigException {
        PathMatcher p = PathMatcher.compile(m, path);
        HeaderCondition[] hs = m.getHeadersCount() == 0 ? NO_HEADERS : new HeaderCondition[m.getHeadersCount()];
        for (int i = 0; i < hs.length; i++) {
            hs[i] = HeaderCondition.compile(m.getHeaders(i), path + ".headers[" + i + "]");
        }
        QueryCondition[] qs = m.getQueryParametersCount() == 0 ? NO_QUERY : new QueryCondition[m.getQueryParametersCount()];
        for (int i = 0; i < qs.length; i++) {
            qs[i] = QueryCondition.compile(m.getQueryParameters(i), path + ".query_parameters[" + i + "]");
        }
        return new RouteMatcher(p, hs, qs, m.hasGrpc());
    }

    boolean matches(RequestView req) {
        if (!path.matches(req.path)) {
            return false;
        }
        if (grpc && !isGrpc(req.request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            return false;
        }
        for (HeaderCondition h : headers) {
            if (!h.matches(req)) {
                return false;
            }
        }
        for (QueryCondition q : query) {
            if (!q.matches(req)) {
                return false;
            }
        }
        return true;
    }

    /** Envoy's test: application/grpc, optionally followed by "+codec" or parameters; not grpc-web. */
    static boolean isGrpc(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
            return false;
        }
        if (contentType.length() == 16) {
            return true;
        }
        char c = contentType.charAt(16);
        return c == '+' || c == ';';
    }
}
