package dev.weft.proxy.route;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.net.SocketAddress;
import java.util.OptionalLong;

/** One compiled route: what to do with a request that matched it. CONTRACT, see RouteTable. */
public final class RouteEntry {
    /** What the route does. */
    public enum Kind { FORWARD, DIRECT_RESPONSE, REDIRECT }

    public Kind kind() { throw new UnsupportedOperationException(); }

    /** The route's name, or "virtualHostName/index" when unnamed: for logs and stats. */
    public String name() { throw new UnsupportedOperationException(); }

    /** FORWARD: the cluster for this request (a weighted pick when weighted_clusters). */
    public String pickCluster() { throw new UnsupportedOperationException(); }

    /** FORWARD: applies prefix_rewrite, host_rewrite_literal and request header add/remove of all levels. */
    public void rewriteRequest(HttpRequest request) { throw new UnsupportedOperationException(); }

    /** Applies response header add/remove of all levels (route, virtual host, route configuration). */
    public void rewriteResponse(HttpResponse response) { throw new UnsupportedOperationException(); }

    /** FORWARD: route timeout in ms (default 15000), 0 for none. */
    public long timeoutMillis() { throw new UnsupportedOperationException(); }

    /** FORWARD: the retry policy (route's, else virtual host's), or null for none. */
    public RetryPolicy retryPolicy() { throw new UnsupportedOperationException(); }

    /** FORWARD: the hash of the request per hash_policy, empty when no policy produced one. */
    public OptionalLong hash(HttpRequest request, SocketAddress remote) { throw new UnsupportedOperationException(); }

    /** DIRECT_RESPONSE: the response, with response header mutations applied. */
    public FullHttpResponse directResponse(ByteBufAllocator alloc) { throw new UnsupportedOperationException(); }

    /** REDIRECT: the redirect response for {@code request}; {@code secure} when it came over TLS. */
    public FullHttpResponse redirectResponse(HttpRequest request, boolean secure) { throw new UnsupportedOperationException(); }
}
