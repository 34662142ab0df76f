package dev.weft.proxy.router;

import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.upstream.UpstreamCluster;
import dev.weft.proxy.upstream.UpstreamListener;
import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.proxy.upstream.UpstreamStream;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A copy of one request sent to a mirror cluster (RouteAction.request_mirror_policies), fire and
 * forget: its response is read and dropped, and nothing it does reaches the original exchange,
 * which never waits for it. Runs on the original request's event loop, with a stream from that
 * loop's pool of the mirror cluster.
 *
 * <p>The body is copied only while it is small: once more than the mirror cluster's
 * per_connection_buffer_limit_bytes have passed, the copy is cancelled (its stream reset), so a
 * slow mirror never makes the proxy hold a large body. A copy whose original request ends
 * without its whole body (the client went away) is cancelled too; one that has the whole request
 * runs to its end, bounded by the route timeout.
 *
 * <p>Reference counting: {@link #onContent} takes its own reference (a retained duplicate) to the
 * body it is shown, and passes it to the stream or holds it until the stream is ready; held parts
 * are released when the copy ends. Response messages are released as they arrive.
 */
final class Mirror implements UpstreamListener {
    private static final String SHADOW_SUFFIX = "-shadow";

    private final UpstreamCluster cluster;
    private final HttpRequest head;
    private final boolean bodyless;
    private final long bodyLimit;
    private Endpoint endpoint;
    private Future<UpstreamStream> acquiring;
    private UpstreamStream stream;
    /** Body waiting for the stream; created on first use. */
    private ArrayDeque<HttpContent> queued;
    private long bodyBytes;
    private boolean requestComplete;
    /** The request ended with its HTTP/2 HEADERS frame; body messages are not sent. */
    private boolean endedWithHeaders;
    private boolean skipInterim;
    private boolean finished;
    private ScheduledFuture<?> timer;

    private Mirror(UpstreamCluster cluster, HttpRequest head, boolean bodyless) {
        this.cluster = cluster;
        this.head = head;
        this.bodyless = bodyless;
        this.bodyLimit = cluster.spec().perConnectionBufferLimitBytes();
    }

    /**
     * Starts a copy of {@code original} (its head as it goes upstream, before framing headers are
     * set) to {@code cluster}; null when the cluster has no healthy endpoint or is at max_requests.
     *
     * @param appendHostSuffix whether Host gets "-shadow" appended (before any port), as Envoy does
     * @param timeoutMillis    the route timeout, after which the copy is abandoned; 0 for none
     */
    static Mirror start(UpstreamPools pools, EventLoop loop, UpstreamCluster cluster, HttpRequest original,
            boolean appendHostSuffix, OptionalLong hash, boolean bodyless, long timeoutMillis) {
        Endpoint e = cluster.loadBalancer().choose(hash);
        if (e == null) {
            cluster.stats().noHealthyUpstream.increment();
            return null;
        }
        if (!cluster.breakers().tryRequest()) {
            cluster.stats().rqPendingOverflow.increment();
            return null;
        }
        HttpRequest head = new DefaultHttpRequest(original.protocolVersion(), original.method(), original.uri(),
                original.headers().copy());
        String host = head.headers().get(HttpHeaderNames.HOST);
        if (appendHostSuffix && host != null && !host.isEmpty()) {
            head.headers().set(HttpHeaderNames.HOST, shadowHost(host));
        }
        Mirror m = new Mirror(cluster, head, bodyless);
        m.endpoint = e;
        e.requestStarted();
        cluster.stats().rqTotal.increment();
        cluster.stats().rqActive.increment();
        cluster.stats().rqMirrored.increment();
        if (timeoutMillis > 0) {
            m.timer = loop.schedule(m::onTimeout, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        Future<UpstreamStream> f = pools.acquire(cluster, e, loop, false);
        if (f.isDone()) {
            m.onStreamReady(f);
        } else {
            m.acquiring = f;
            f.addListener(x -> m.onStreamReady(f));
        }
        return m.finished ? null : m;
    }

    /** Envoy's shadow host: "-shadow" appended to the host name, before the port if there is one. */
    static String shadowHost(String host) {
        int bracket = host.lastIndexOf(']');
        int colon = host.lastIndexOf(':');
        if (colon > bracket && (bracket >= 0 || host.indexOf(':') == colon)) {
            return host.substring(0, colon) + SHADOW_SUFFIX + host.substring(colon);
        }
        return host + SHADOW_SUFFIX;
    }

    private void onStreamReady(Future<UpstreamStream> f) {
        if (acquiring == f) {
            acquiring = null;
        }
        if (finished) {
            if (f.isSuccess()) {
                f.getNow().reset();
            }
            return;
        }
        if (!f.isSuccess()) {
            // the pool counted the connect failure or overflow
            finish();
            return;
        }
        UpstreamStream s = f.getNow();
        stream = s;
        s.listener(this);
        endedWithHeaders = Exchange.writeHead(s, head, bodyless, !bodyless && !(requestComplete && bodyBytes == 0));
        if (queued != null) {
            HttpContent c;
            while ((c = queued.poll()) != null) {
                send(c);
            }
        }
        s.flush();
    }

    /** A part of the original request's body; the caller keeps its reference. */
    void onContent(HttpContent c) {
        if (finished) {
            return;
        }
        bodyBytes += c.content().readableBytes();
        if (bodyBytes > bodyLimit) {
            cancel();
            return;
        }
        if (c instanceof LastHttpContent) {
            requestComplete = true;
        }
        HttpContent copy = c.retainedDuplicate();
        if (stream != null) {
            send(copy);
            if (requestComplete) {
                // the exchange lets go of a mirror once its request is complete, so it flushes no more
                stream.flush();
            }
        } else {
            if (queued == null) {
                queued = new ArrayDeque<>(4);
            }
            queued.add(copy);
        }
    }

    private void send(HttpContent c) {
        if (endedWithHeaders) {
            c.release();
        } else {
            stream.write(c);
        }
    }

    /** Flushes what was written during the downstream's read. */
    void flush() {
        if (stream != null) {
            stream.flush();
        }
    }

    /** The original request ended before all of its body was seen: a copy missing it is cancelled. */
    void requestAbandoned() {
        if (!finished && !requestComplete) {
            cancel();
        }
    }

    private void cancel() {
        cluster.stats().rqMirrorCancelled.increment();
        abort();
    }

    private void onTimeout() {
        timer = null;
        if (!finished) {
            cluster.stats().rqTimeout.increment();
            abort();
        }
    }

    private void abort() {
        UpstreamStream s = stream;
        stream = null;
        if (s != null) {
            s.reset();
        }
        finish();
    }

    @Override
    public void onResponse(HttpObject msg) {
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            if (code >= 100 && code < 200) {
                skipInterim = true;
            } else {
                cluster.stats().recordStatus(code);
            }
        }
        ReferenceCountUtil.release(msg);
        if (!last || finished) {
            return;
        }
        if (skipInterim) {
            skipInterim = false;
            return;
        }
        UpstreamStream s = stream;
        stream = null;
        if (s != null) {
            if (requestComplete) {
                s.release();
            } else {
                s.reset(); // answered before the whole body was sent: the connection is not reusable
            }
        }
        finish();
    }

    @Override
    public void onReset(String reason, boolean refused) {
        stream = null;
        if (!finished) {
            cluster.stats().rqReset.increment();
            finish();
        }
    }

    @Override
    public void onReadComplete() {
        // the response is dropped: nothing to flush
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // a mirror never holds the original request back; its body in flight is bounded by bodyLimit
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (queued != null) {
            HttpContent c;
            while ((c = queued.poll()) != null) {
                c.release();
            }
        }
        if (endpoint != null) {
            endpoint.requestFinished();
            cluster.stats().rqActive.decrement();
            cluster.breakers().requestFinished();
            endpoint = null;
        }
        Future<UpstreamStream> a = acquiring;
        if (a != null) {
            acquiring = null;
            a.cancel(false);
        }
    }
}
