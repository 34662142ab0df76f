package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Turns a RouteConfiguration into a {@link RouteTable}, validating every value it interprets. */
final class RouteCompiler {
    static final long DEFAULT_TIMEOUT_MILLIS = 15_000;
    /** Envoy's default for max_direct_response_body_size_bytes. */
    static final int DEFAULT_MAX_DIRECT_BODY = 4096;

    private final RouteConfiguration config;
    private final HeaderMutations configRequest;
    private final HeaderMutations configResponse;
    private final int maxDirectBody;

    private RouteCompiler(RouteConfiguration config) throws ConfigException {
        this.config = config;
        this.configRequest = HeaderMutations.compile(config.getRequestHeadersToAddList(), "request_headers_to_add",
                config.getRequestHeadersToRemoveList(), "request_headers_to_remove");
        this.configResponse = HeaderMutations.compile(config.getResponseHeadersToAddList(), "response_headers_to_add",
                config.getResponseHeadersToRemoveList(), "response_headers_to_remove");
        this.maxDirectBody = config.hasMaxDirectResponseBodySizeBytes()
                ? config.getMaxDirectResponseBodySizeBytes().getValue() : DEFAULT_MAX_DIRECT_BODY;
    }

    static RouteTable compile(RouteConfiguration config) throws ConfigException {
        return new RouteCompiler(config).table();
    }

    private RouteTable table() throws ConfigException {
        DomainIndex.Builder<RouteEntry[]> domains = new DomainIndex.Builder<RouteEntry[]>()
                .ignorePort(config.getIgnorePortInHostMatching());
        Set<String> names = new HashSet<>();
        for (int v = 0; v < config.getVirtualHostsCount(); v++) {
            VirtualHost vh = config.getVirtualHosts(v);
            String vp = "virtual_hosts[" + v + "]";
            if (vh.getName().isEmpty()) {
                throw new ConfigException(vp + ".name", "must not be empty");
            }
            if (!names.add(vh.getName())) {
                // Route names and stats are keyed by the virtual host's name.
                throw new ConfigException(vp + ".name", "virtual host name '" + vh.getName() + "' is used twice");
            }
            if (vh.getDomainsCount() == 0) {
                throw new ConfigException(vp + ".domains", "at least one domain is required");
            }
            RouteEntry[] routes = virtualHost(vh, vp);
            for (int d = 0; d < vh.getDomainsCount(); d++) {
                domains.add(vh.getDomains(d), routes, vp + ".domains[" + d + "]", vh.getName());
            }
        }
        return new RouteTable(config.getName(), domains.build());
    }

    private RouteEntry[] virtualHost(VirtualHost vh, String vp) throws ConfigException {
        HeaderMutations vhRequest = HeaderMutations.compile(vh.getRequestHeadersToAddList(), vp + ".request_headers_to_add",
                vh.getRequestHeadersToRemoveList(), vp + ".request_headers_to_remove");
        HeaderMutations vhResponse = HeaderMutations.compile(vh.getResponseHeadersToAddList(), vp + ".response_headers_to_add",
                vh.getResponseHeadersToRemoveList(), vp + ".response_headers_to_remove");
        RetryPolicy vhRetry = vh.hasRetryPolicy() ? RetryPolicy.compile(vh.getRetryPolicy(), vp + ".retry_policy") : null;
        RouteEntry[] routes = new RouteEntry[vh.getRoutesCount()];
        for (int r = 0; r < routes.length; r++) {
            routes[r] = route(vh, r, vp + ".routes[" + r + "]", vhRequest, vhResponse, vhRetry);
        }
        return routes;
    }

    private RouteEntry route(VirtualHost vh, int index, String rp, HeaderMutations vhRequest, HeaderMutations vhResponse,
            RetryPolicy vhRetry) throws ConfigException {
        Route route = vh.getRoutes(index);
        String name = route.getName().isEmpty() ? vh.getName() + "/" + index : route.getName();
        if (!route.hasMatch()) {
            throw new ConfigException(rp + ".match", "is required");
        }
        RouteMatcher matcher = RouteMatcher.compile(route.getMatch(), rp + ".match");
        HeaderMutations routeRequest = HeaderMutations.compile(route.getRequestHeadersToAddList(), rp + ".request_headers_to_add",
                route.getRequestHeadersToRemoveList(), rp + ".request_headers_to_remove");
        HeaderMutations routeResponse = HeaderMutations.compile(route.getResponseHeadersToAddList(), rp + ".response_headers_to_add",
                route.getResponseHeadersToRemoveList(), rp + ".response_headers_to_remove");
        Levels request = new Levels(routeRequest, vhRequest, configRequest);
        Levels response = new Levels(routeResponse, vhResponse, configResponse);
        switch (route.getActionCase()) {
            case ROUTE:
                return forward(name, matcher, route.getRoute(), rp + ".route", request, response, vhRetry);
            case DIRECT_RESPONSE:
                DirectResponseAction d = route.getDirectResponse();
                String dp = rp + ".direct_response";
                if (d.getStatus() < 200 || d.getStatus() > 599) {
                    throw new ConfigException(dp + ".status", d.getStatus() + " (expected: 200-599)");
                }
                byte[] body = d.hasBody() ? body(d.getBody(), dp + ".body") : new byte[0];
                return RouteEntry.direct(name, matcher, ordered(HeaderMutations.NONE, response),
                        HttpResponseStatus.valueOf(d.getStatus()), body);
            case REDIRECT:
                return RouteEntry.redirect(name, matcher, ordered(HeaderMutations.NONE, response),
                        Redirect.compile(route.getRedirect(), rp + ".redirect"));
            case FILTER_ACTION:
            case NON_FORWARDING_ACTION:
                throw new ConfigException(rp, route.getActionCase().name().toLowerCase(Locale.ROOT)
                        + " is not supported (expected one of route, redirect, direct_response)");
            default:
                throw new ConfigException(rp, "one of route, redirect, direct_response is required");
        }
    }

    /** One direction's header mutations of a route and the levels around it. */
    private record Levels(HeaderMutations route, HeaderMutations vh, HeaderMutations config) {}

    /**
     * Envoy evaluates a weighted cluster's mutations first, then the route's, then the virtual
     * host's, then the route configuration's, so the outermost level wins a conflict;
     * most_specific_header_mutations_wins reverses the order so the most specific level wins.
     * {@code cluster} is {@link HeaderMutations#NONE} for a route with a single cluster.
     */
    private HeaderMutations[] ordered(HeaderMutations cluster, Levels levels) {
        HeaderMutations[] all = config.getMostSpecificHeaderMutationsWins()
                ? new HeaderMutations[] {levels.config, levels.vh, levels.route, cluster}
                : new HeaderMutations[] {cluster, levels.route, levels.vh, levels.config};
        return Arrays.stream(all).filter(m -> !m.isEmpty()).toArray(HeaderMutations[]::new);
    }

    private byte[] body(DataSource ds, String path) throws ConfigException {
        byte[] body;
        switch (ds.getSpecifierCase()) {
            case INLINE_STRING:
                body = ds.getInlineString().getBytes(StandardCharsets.UTF_8);
                break;
            case INLINE_BYTES:
                body = ds.getInlineBytes().toByteArray();
                break;
            case FILENAME:
                throw new ConfigException(path + ".filename", "bodies from files are not supported; use inline_string or inline_bytes");
            case ENVIRONMENT_VARIABLE:
                throw new ConfigException(path + ".environment_variable", "bodies from environment variables are not supported; use inline_string or inline_bytes");
            default:
                throw new ConfigException(path, "one of inline_string, inline_bytes is required");
        }
        if (body.length > maxDirectBody) {
            throw new ConfigException(path, "body is " + body.length + " bytes, more than max_direct_response_body_size_bytes ("
                    + maxDirectBody + ")");
        }
        return body;
    }

    private RouteEntry forward(String name, RouteMatcher matcher, RouteAction a, String ap, Levels request,
            Levels response, RetryPolicy vhRetry) throws ConfigException {
        WeightedPick backends;
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER:
                if (a.getCluster().isEmpty()) {
                    throw new ConfigException(ap + ".cluster", "must not be empty");
                }
                backends = WeightedPick.single(new RouteEntry.Backend(a.getCluster(),
                        ordered(HeaderMutations.NONE, request), ordered(HeaderMutations.NONE, response)));
                break;
            case WEIGHTED_CLUSTERS:
                backends = weighted(a.getWeightedClusters(), ap + ".weighted_clusters", request, response);
                break;
            case CLUSTER_HEADER:
                throw new ConfigException(ap + ".cluster_header", "is not supported; use cluster or weighted_clusters");
            case CLUSTER_SPECIFIER_PLUGIN:
            case INLINE_CLUSTER_SPECIFIER_PLUGIN:
                throw new ConfigException(ap, "cluster specifier plugins are not supported; use cluster or weighted_clusters");
            default:
                throw new ConfigException(ap, "one of cluster, weighted_clusters is required");
        }
        PathRewrite rewrite = null;
        if (!a.getPrefixRewrite().isEmpty() && a.hasRegexRewrite()) {
            throw new ConfigException(ap, "only one of prefix_rewrite and regex_rewrite may be set");
        }
        if (!a.getPrefixRewrite().isEmpty()) {
            rewrite = PathRewrite.prefix(a.getPrefixRewrite());
        } else if (a.hasRegexRewrite()) {
            rewrite = PathRewrite.regex(Regexes.substitution(a.getRegexRewrite(), ap + ".regex_rewrite"));
        }
        String host = null;
        switch (a.getHostRewriteSpecifierCase()) {
            case HOST_REWRITE_LITERAL:
                host = a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral();
                break;
            case HOSTREWRITESPECIFIER_NOT_SET:
                break;
            default:
                throw new ConfigException(ap, a.getHostRewriteSpecifierCase().name().toLowerCase(Locale.ROOT)
                        + " is not supported; use host_rewrite_literal");
        }
        long timeout = a.hasTimeout() ? Durations.millis(a.getTimeout(), ap + ".timeout") : DEFAULT_TIMEOUT_MILLIS;
        // A route's retry_policy replaces the virtual host's whole; the two are never merged.
        RetryPolicy retry = a.hasRetryPolicy() ? RetryPolicy.compile(a.getRetryPolicy(), ap + ".retry_policy") : vhRetry;
        HashPolicies hash = HashPolicies.compile(a.getHashPolicyList(), ap + ".hash_policy");
        List<MirrorPolicy> mirrors = new ArrayList<>(a.getRequestMirrorPoliciesCount());
        for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
            mirrors.add(MirrorPolicy.compile(a.getRequestMirrorPolicies(i), ap + ".request_mirror_policies[" + i + "]"));
        }
        return RouteEntry.forward(name, matcher, backends, rewrite, host, timeout, retry, hash, mirrors);
    }

    @SuppressWarnings("deprecation") // total_weight is deprecated but still checked when set, as Envoy does
    private WeightedPick weighted(WeightedCluster wc, String wp, Levels request, Levels response)
            throws ConfigException {
        int n = wc.getClustersCount();
        if (n == 0) {
            throw new ConfigException(wp + ".clusters", "at least one cluster is required");
        }
        RouteEntry.Backend[] backends = new RouteEntry.Backend[n];
        long[] weights = new long[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            WeightedCluster.ClusterWeight c = wc.getClusters(i);
            String cp = wp + ".clusters[" + i + "]";
            if (!c.getClusterHeader().isEmpty()) {
                throw new ConfigException(cp + ".cluster_header", "is not supported; use name");
            }
            if (c.getName().isEmpty()) {
                throw new ConfigException(cp + ".name", "must not be empty");
            }
            HeaderMutations clusterRequest = HeaderMutations.compile(c.getRequestHeadersToAddList(),
                    cp + ".request_headers_to_add", c.getRequestHeadersToRemoveList(), cp + ".request_headers_to_remove");
            HeaderMutations clusterResponse = HeaderMutations.compile(c.getResponseHeadersToAddList(),
                    cp + ".response_headers_to_add", c.getResponseHeadersToRemoveList(), cp + ".response_headers_to_remove");
            backends[i] = new RouteEntry.Backend(c.getName(), ordered(clusterRequest, request),
                    ordered(clusterResponse, response));
            weights[i] = c.hasWeight() ? Integer.toUnsignedLong(c.getWeight().getValue()) : 0;
            sum += weights[i];
        }
        if (sum == 0) {
            throw new ConfigException(wp + ".clusters", "the sum of the weights must be greater than 0");
        }
        if (sum > 0xFFFF_FFFFL) {
            throw new ConfigException(wp + ".clusters", "the sum of the weights (" + sum + ") exceeds 4294967295");
        }
        if (wc.hasTotalWeight() && wc.getTotalWeight().getValue() != 0
                && Integer.toUnsignedLong(wc.getTotalWeight().getValue()) != sum) {
            throw new ConfigException(wp + ".total_weight", Integer.toUnsignedString(wc.getTotalWeight().getValue())
                    + " is not the sum of the cluster weights (" + sum + ")");
        }
        return new WeightedPick(backends, weights);
    }
}
