package dev.weft.proxy.observe;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A telemetry sink that follows every exchange of a listener: metrics, traces, access logs, tap. Every
 * method runs on the exchange's event loop, so it must not block; what is slow (writing a file, sending
 * spans) goes to a queue that another thread drains.
 *
 * <p>Reference counting: nothing handed to an observer is owned by it. A body part passed to
 * {@link #onRequestContent} or {@link #onResponseContent} may be read (by absolute index) but not retained, released or consumed.
 */
public interface ExchangeObserver {

    /**
     * The request head arrived, before authorization and routing. The observer may add or remove headers
     * (trace propagation); they are forwarded as changed.
     */
    default void onRequestHead(RequestInfo info, HttpRequest request) {
    }

    /**
     * A part of the request body is about to go upstream (a body the proxy discards, after a local reply, is not
     * shown). A model-aware sink reads a bounded prefix of it, the model name, say.
     */
    default void onRequestContent(RequestInfo info, ByteBuf content) {
    }

    /** An attempt is about to write its request head upstream (once per attempt, after route rewrites). */
    default void onUpstreamRequest(RequestInfo info, HttpRequest upstreamHead) {
    }

    /** The final response head (not an interim 1xx) is about to go downstream; also for local replies. */
    default void onResponseHead(RequestInfo info, HttpResponse head) {
    }

    /** A part of the response body is about to go downstream. */
    default void onResponseContent(RequestInfo info, ByteBuf content) {
    }

    /** The exchange ended: exactly once, also when the downstream went away or the response was aborted. */
    void onComplete(RequestInfo info);
}
