package dev.weft.proxy.router;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The client side of one exchange: an HTTP/1.1 connection or one HTTP/2 stream. The router writes
 * HTTP/1 message objects to {@link #channel()}; the implementation owns protocol differences.
 */
public interface Downstream {
    /** Where response objects are written. */
    Channel channel();

    /** Whether the request came over TLS. */
    boolean secure();

    /**
     * The client's IP address as text, for x-forwarded-for; null when the peer address has none.
     * The same for every request of a connection, so implementations work it out once.
     */
    String remoteIp();

    /**
     * Whether the caller runs inside a read of this downstream that ends by calling
     * {@link Exchange#onRequestReadComplete()} on the exchange current by then, which flushes
     * upstream; writes made meanwhile can wait for that one flush.
     */
    boolean readInProgress();

    /** Whether this is an HTTP/2 stream (true) or an HTTP/1.x connection (false). */
    boolean http2();

    /** Adjusts framing headers of a response head before it is written (e.g. chunked for HTTP/1.1). */
    void prepareResponse(HttpResponse response, boolean headRequest);

    /** Stops or resumes reading the request (back-pressure from the upstream). */
    void setRequestReading(boolean reading);

    /**
     * The exchange is over. {@code reusable} is false when the connection (HTTP/1.1) or stream
     * cannot carry on cleanly, e.g. a response ended before its request body was read.
     */
    void exchangeFinished(Exchange exchange, boolean reusable);

    /** Aborts the exchange midway: an HTTP/1.1 connection is closed, an HTTP/2 stream reset. */
    void abort();

    /** A 101 went out: the connection now relays raw bytes both ways. */
    void upgradeAccepted();

    /** An Upgrade request got an ordinary response: go on parsing HTTP. */
    void upgradeRejected();
}
