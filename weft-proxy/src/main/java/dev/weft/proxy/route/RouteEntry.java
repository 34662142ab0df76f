package dev.weft.proxy.route;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.SocketAddress;
import java.util.List;
import java.util.OptionalLong;

/**
 * One compiled route: what to do with a request that matched it. Immutable and shared by every
 * event loop; the methods for one {@link Kind} throw {@link IllegalStateException} on a route of
 * another kind, since calling them is a router bug.
 *
 * <p>Reference counting: {@link #directResponse} and {@link #redirectResponse} return a new
 * response the caller owns and must write or release.
 */
public final class RouteEntry {
    /** What the route does. */
    public enum Kind { FORWARD, DIRECT_RESPONSE, REDIRECT }

    private static final HeaderMutations[] NO_MUTATIONS = new HeaderMutations[0];

    /**
     * One cluster a FORWARD route sends a request to: its cluster, or one entry of its
     * weighted_clusters, with the header mutations that apply when it is picked: the entry's own
     * and the route's, virtual host's and route configuration's, in the order they apply. Immutable.
     */
    public static final class Backend {
        private final String cluster;
        /** Request header mutations of every level, in the order Envoy applies them. */
        final HeaderMutations[] request;
        final HeaderMutations[] response;

        Backend(String cluster, HeaderMutations[] request, HeaderMutations[] response) {
            this.cluster = cluster;
            this.request = request;
            this.response = response;
        }

        /** The cluster's name. */
        public String cluster() {
            return cluster;
        }

        @Override
        public String toString() {
            return "Backend{" + cluster + "}";
        }
    }

    private final Kind kind;
    private final String name;
    final RouteMatcher matcher;
    /** DIRECT_RESPONSE and REDIRECT: response header mutations of every level, in the order Envoy applies them. */
    private final HeaderMutations[] responseMutations;

    // FORWARD
    private final WeightedPick backends;
    private final PathRewrite pathRewrite;
    private final String hostRewrite;
    private final long timeoutMillis;
    private final RetryPolicy retryPolicy;
    private final HashPolicies hashPolicies;
    private final List<MirrorPolicy> mirrorPolicies;

    // DIRECT_RESPONSE
    private final HttpResponseStatus directStatus;
    private final byte[] directBody;

    // REDIRECT
    private final Redirect redirect;

    private RouteEntry(Kind kind, String name, RouteMatcher matcher, HeaderMutations[] responseMutations,
            WeightedPick backends, PathRewrite pathRewrite, String hostRewrite, long timeoutMillis,
            RetryPolicy retryPolicy, HashPolicies hashPolicies, List<MirrorPolicy> mirrorPolicies,
            HttpResponseStatus directStatus, byte[] directBody, Redirect redirect) {
        this.kind = kind;
        this.name = name;
        this.matcher = matcher;
        this.responseMutations = responseMutations;
        this.backends = backends;
        this.pathRewrite = pathRewrite;
        this.hostRewrite = hostRewrite;
        this.timeoutMillis = timeoutMillis;
        this.retryPolicy = retryPolicy;
        this.hashPolicies = hashPolicies;
        this.mirrorPolicies = List.copyOf(mirrorPolicies);
        this.directStatus = directStatus;
        this.directBody = directBody;
        this.redirect = redirect;
    }

    static RouteEntry forward(String name, RouteMatcher matcher, WeightedPick backends, PathRewrite pathRewrite,
            String hostRewrite, long timeoutMillis, RetryPolicy retryPolicy, HashPolicies hashPolicies,
            List<MirrorPolicy> mirrorPolicies) {
        return new RouteEntry(Kind.FORWARD, name, matcher, NO_MUTATIONS, backends, pathRewrite, hostRewrite,
                timeoutMillis, retryPolicy, hashPolicies, mirrorPolicies, null, null, null);
    }

    static RouteEntry direct(String name, RouteMatcher matcher, HeaderMutations[] response, HttpResponseStatus status,
            byte[] body) {
        return new RouteEntry(Kind.DIRECT_RESPONSE, name, matcher, response, null, null, null, 0, null,
                HashPolicies.NONE, List.of(), status, body, null);
    }

    static RouteEntry redirect(String name, RouteMatcher matcher, HeaderMutations[] response, Redirect redirect) {
        return new RouteEntry(Kind.REDIRECT, name, matcher, response, null, null, null, 0, null,
                HashPolicies.NONE, List.of(), null, null, redirect);
    }

    /** What the route does. */
    public Kind kind() {
        return kind;
    }

    /** The route's name, or "virtualHostName/index" when unnamed: for logs and stats. */
    public String name() {
        return name;
    }

    /** FORWARD: the backend for this request (a weighted pick when weighted_clusters). */
    public Backend pickBackend() {
        requireKind(Kind.FORWARD);
        return backends.pick();
    }

    /**
     * FORWARD: applies the request header add/remove of {@code backend} (picked from this route)
     * and of all levels, then host_rewrite_literal, then prefix_rewrite or regex_rewrite to the URI
     * (the query string is kept). Call it once, with the request that matched this route, before
     * changing its URI.
     */
    public void rewriteRequest(HttpRequest request, Backend backend) {
        requireKind(Kind.FORWARD);
        HttpHeaders headers = request.headers();
        for (HeaderMutations m : backend.request) {
            m.apply(headers);
        }
        if (hostRewrite != null) {
            headers.set(HttpHeaderNames.HOST, hostRewrite);
        }
        if (pathRewrite != null) {
            request.setUri(pathRewrite.apply(request.uri(), matcher.path));
        }
    }

    /**
     * FORWARD: applies the response header add/remove of {@code backend} (the one the request went
     * to) and of all levels (route, virtual host, route configuration).
     */
    public void rewriteResponse(HttpResponse response, Backend backend) {
        requireKind(Kind.FORWARD);
        apply(backend.response, response.headers());
    }

    private static void apply(HeaderMutations[] mutations, HttpHeaders headers) {
        for (HeaderMutations m : mutations) {
            m.apply(headers);
        }
    }

    /** FORWARD: route timeout in ms (default 15000), 0 for none. */
    public long timeoutMillis() {
        requireKind(Kind.FORWARD);
        return timeoutMillis;
    }

    /** FORWARD: the retry policy (route's, else virtual host's), or null for none. */
    public RetryPolicy retryPolicy() {
        requireKind(Kind.FORWARD);
        return retryPolicy;
    }

    /** FORWARD: the hash of the request per hash_policy, empty when no policy produced one. */
    public OptionalLong hash(HttpRequest request, SocketAddress remote) {
        requireKind(Kind.FORWARD);
        return hashPolicies.hash(request, remote);
    }

    /** FORWARD: request_mirror_policies, in order; empty for none. */
    public List<MirrorPolicy> mirrorPolicies() {
        requireKind(Kind.FORWARD);
        return mirrorPolicies;
    }

    /** DIRECT_RESPONSE: the response, with response header mutations applied. The caller owns it. */
    public FullHttpResponse directResponse(ByteBufAllocator alloc) {
        requireKind(Kind.DIRECT_RESPONSE);
        ByteBuf body = directBody.length == 0 ? Unpooled.EMPTY_BUFFER : alloc.buffer(directBody.length).writeBytes(directBody);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, directStatus, body);
        if (directBody.length > 0) {
            // Envoy's local replies with a body say text/plain unless a header mutation says otherwise.
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        }
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, directBody.length);
        apply(responseMutations, resp.headers());
        return resp;
    }

    /** REDIRECT: the redirect response for {@code request}; {@code secure} when it came over TLS. The caller owns it. */
    public FullHttpResponse redirectResponse(HttpRequest request, boolean secure) {
        requireKind(Kind.REDIRECT);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, redirect.status, Unpooled.EMPTY_BUFFER);
        resp.headers().set(HttpHeaderNames.LOCATION, redirect.location(request, matcher.path, secure));
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        apply(responseMutations, resp.headers());
        return resp;
    }

    private void requireKind(Kind expected) {
        if (kind != expected) {
            throw new IllegalStateException("route " + name + " is " + kind + ", not " + expected);
        }
    }

    @Override
    public String toString() {
        return "RouteEntry{" + name + ", " + kind + "}";
    }
}
