package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A compiled route_config: virtual hosts by domain, then routes in order. Immutable and safe to
 * share between event loops; matching allocates nothing it can avoid.
 */
public final class RouteTable {
    private final String name;
    private final DomainIndex<RouteEntry[]> virtualHosts;

    RouteTable(String name, DomainIndex<RouteEntry[]> virtualHosts) {
        this.name = name;
        this.virtualHosts = virtualHosts;
    }

    /**
     * Compiles {@code config}. A {@link ConfigException}'s path is relative to the route
     * configuration, e.g. {@code virtual_hosts[0].routes[3].match.safe_regex.regex}.
     */
    public static RouteTable compile(RouteConfiguration config) throws ConfigException {
        return RouteCompiler.compile(config);
    }

    /** Registers the route-configuration fields this package implements. */
    public static void registerFields(SupportedFields fields) {
        RouteFields.register(fields);
    }

    /** The route configuration's name (may be empty for an inline route_config). */
    public String name() {
        return name;
    }

    /**
     * The route for {@code request}, or null when no virtual host or route matches. The request's
     * URI is origin-form ({@code /path?query}); the authority is its Host header.
     */
    public RouteEntry match(HttpRequest request) {
        RouteEntry[] routes = virtualHosts.find(request.headers().get(HttpHeaderNames.HOST));
        if (routes == null || routes.length == 0) {
            return null;
        }
        RequestView view = new RequestView(request);
        for (RouteEntry r : routes) {
            if (r.matcher.matches(view)) {
                return r;
            }
        }
        return null;
    }
}
