package dev.weft.proxy.route;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request as the route matchers see it, for the duration of one {@link RouteTable#match}
 * call: the path without query and fragment, and the query parameters, decoded the first time a
 * route asks for them and then shared by every route tried.
 */
final class RequestView {
    final HttpRequest request;
    final String uri;
    /** The path with query and fragment removed: what prefix/path/regex routes match. */
    final String path;
    private final int queryStart;
    private final int queryEnd;
    private Map<String, String> query;

    RequestView(HttpRequest request) {
        this.request = request;
        this.uri = request.uri();
        int q = uri.indexOf('?');
        int f = uri.indexOf('#');
        if (q >= 0 && f >= 0 && f < q) {
            q = -1; // a '?' inside the fragment starts no query
        }
        int pathEnd = q >= 0 ? q : (f >= 0 ? f : uri.length());
        this.path = pathEnd == uri.length() ? uri : uri.substring(0, pathEnd);
        this.queryStart = q >= 0 ? q + 1 : -1;
        this.queryEnd = f > q ? f : uri.length();
    }

    /** The first value of query parameter {@code name} (percent-decoded, '+' as space), or null. */
    String queryParameter(String name) {
        if (queryStart < 0) {
            return null;
        }
        if (query == null) {
            query = decodeQuery(uri, queryStart, queryEnd);
        }
        return query.get(name);
    }

    private static Map<String, String> decodeQuery(String uri, int start, int end) {
        Map<String, String> m = new HashMap<>();
        int i = start;
        while (i < end) {
            int amp = uri.indexOf('&', i);
            int segEnd = amp < 0 || amp > end ? end : amp;
            if (segEnd > i) {
                int eq = uri.indexOf('=', i);
                String name;
                String value;
                if (eq >= 0 && eq < segEnd) {
                    name = decode(uri.substring(i, eq));
                    value = decode(uri.substring(eq + 1, segEnd));
                } else {
                    name = decode(uri.substring(i, segEnd));
                    value = "";
                }
                // Envoy: when a parameter repeats, only its first value counts.
                m.putIfAbsent(name, value);
            }
            i = segEnd + 1;
        }
        return m;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return QueryStringDecoder.decodeComponent(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformedEscape) {
            return s; // like Envoy, a broken %-escape is kept verbatim rather than failing the request
        }
    }

    /** All values of header {@code lowerName} joined with "," (Envoy's view of a repeated header), or null when absent. */
    String header(String lowerName) {
        return headerJoined(request, lowerName);
    }

    /**
     * Header values as Envoy sees them: pseudo-headers map to the HTTP/1 request line and Host
     * (Netty represents HTTP/2 requests the same way), other values of a repeated header are joined.
     */
    static String headerJoined(HttpRequest request, String lowerName) {
        switch (lowerName) {
            case ":authority":
                return request.headers().get(HttpHeaderNames.HOST);
            case ":path":
                return request.uri();
            case ":method":
                return request.method().name();
            default:
                List<String> all = request.headers().getAll(lowerName);
                if (all.isEmpty()) {
                    return null;
                }
                return all.size() == 1 ? all.get(0) : String.join(",", all);
        }
    }

    /** Pseudo-headers a matcher or hash policy may name; others have no HTTP/1 equivalent here. */
    static boolean isSupportedPseudoHeader(String lowerName) {
        return lowerName.equals(":authority") || lowerName.equals(":path") || lowerName.equals(":method");
    }
}
