package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A compiled route_config: virtual hosts by domain, then routes in order. Immutable and safe to
 * share between event loops; matching allocates nothing it can avoid.
 */
public final class RouteTable {
    // CONTRACT (implementation in progress by the route work)

    /**
     * Compiles {@code config}. A {@link ConfigException}'s path is relative to the route
     * configuration, e.g. {@code virtual_hosts[0].routes[3].match.safe_regex.regex}.
     */
    public static RouteTable compile(RouteConfiguration config) throws ConfigException {
        throw new UnsupportedOperationException();
    }

    /** Registers the route-configuration fields this package implements. */
    public static void registerFields(SupportedFields fields) {
        throw new UnsupportedOperationException();
    }

    /**
     * The route for {@code request}, or null when no virtual host or route matches. The request's
     * URI is origin-form ({@code /path?query}); the authority is its Host header.
     */
    public RouteEntry match(HttpRequest request) {
        throw new UnsupportedOperationException();
    }
}
