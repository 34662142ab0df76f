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

    private final Kind kind;
    private final String name;
    final RouteMatcher matcher;
    /** Request header mutations of every level, in the order Envoy applies them. */
    private final HeaderMutations[] requestMutations;
    private final HeaderMutations[] responseMutations;

    // FORWARD
    private final WeightedPick clusters;
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

    private RouteEntry(Kind kind, String name, RouteMatcher matcher, HeaderMutations[] requestMutations,
            HeaderMutations[] responseMutations, WeightedPick clusters, PathRewrite pathRewrite, String hostRewrite,
            long timeoutMillis, RetryPolicy retryPolicy, HashPolicies hashPolicies, List<MirrorPolicy> mirrorPolicies,
            HttpResponseStatus directStatus, byte[] directBody, Redirect redirect) {
        this.kind = kind;
        this.name = name;
        this.matcher = matcher;
        this.requestMutations = requestMutations;
        this.responseMutations = responseMutations;
        this.clusters = clusters;
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

    static RouteEntry forward(String name, RouteMatcher matcher, HeaderMutations[] request, HeaderMutations[] response,
            WeightedPick clusters, PathRewrite pathRewrite, String hostRewrite, long timeoutMillis,
            RetryPolicy retryPolicy, HashPolicies hashPolicies, List<MirrorPolicy> mirrorPolicies) {
        return new RouteEntry(Kind.FORWARD, name, matcher, request, response, clusters, pathRewrite, hostRewrite,
                timeoutMillis, retryPolicy, hashPolicies, mirrorPolicies, null, null, null);
    }

    static RouteEntry direct(String name, RouteMatcher matcher, HeaderMutations[] response, HttpResponseStatus status,
            byte[] body) {
        return new RouteEntry(Kind.DIRECT_RESPONSE, name, matcher, NO_MUTATIONS, response, null, null, null, 0, null,
                HashPolicies.NONE, List.of(), status, body, null);
    }

    static RouteEntry redirect(String name, RouteMatcher matcher, HeaderMutations[] response, Redirect redirect) {
        return new RouteEntry(Kind.REDIRECT, name, matcher, NO_MUTATIONS, response, null, null, null, 0, null,
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

    /** FORWARD: the cluster for this request (a weighted pick when weighted_clusters). */
    public String pickCluster() {
        requireKind(Kind.FORWARD);
        return clusters.pick();
    }

    /**
     * FORWARD: applies request header add/remove of all levels, then host_rewrite_literal, then
     * prefix_rewrite or regex_rewrite to the URI (the query string is kept). Call it once, with the
     * request that matched this route, before changing its URI.
     */
    public void rewriteRequest(HttpRequest request) {
        requireKind(Kind.FORWARD);
        HttpHeaders headers = request.headers();
        for (HeaderMutations m : requestMutations) {
            m.apply(headers);
        }
        if (hostRewrite != null) {
            headers.set(HttpHeaderNames.HOST, hostRewrite);
        }
        if (pathRewrite != null) {
            request.setUri(pathRewrite.apply(request.uri(), matcher.path));
        }
    }

    /** Applies response header add/remove of all levels (route, virtual host, route configuration). */
    public void rewriteResponse(HttpResponse response) {
        HttpHeaders headers = response.headers();
        for (HeaderMutations m : responseMutations) {
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
        rewriteResponse(resp);
        return resp;
    }

    /** REDIRECT: the redirect response for {@code request}; {@code secure} when it came over TLS. The caller owns it. */
    public FullHttpResponse redirectResponse(HttpRequest request, boolean secure) {
        requireKind(Kind.REDIRECT);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, redirect.status, Unpooled.EMPTY_BUFFER);
        resp.headers().set(HttpHeaderNames.LOCATION, redirect.location(request, matcher.path, secure));
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        rewriteResponse(resp);
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
