package dev.weft.proxy.upstream;

import io.netty.handler.codec.http.HttpObject;

/** Receives what an upstream stream delivers. Called on the stream's event loop. */
public interface UpstreamListener {
    /** A response head, content or last content; the listener owns {@code msg}. */
    void onResponse(HttpObject msg);

    /**
     * The stream ended before the response completed.
     *
     * @param refused true when the upstream did not process the request at all (HTTP/2
     *                REFUSED_STREAM or a GOAWAY that excluded it), so it is safe to retry anywhere
     */
    void onReset(String reason, boolean refused);

    /**
     * The upstream sent a response (or part of one) that cannot be read as HTTP; the stream is
     * gone and its connection closed. Unlike a reset this is not retried: the upstream answered.
     */
    default void onProtocolError(String reason) {
        onReset(reason, false);
    }

    /** The end of one read from the upstream: time to flush what was relayed. */
    void onReadComplete();

    /** The stream's writability changed: resume or pause the request body. */
    void onWritabilityChanged(boolean writable);
}
