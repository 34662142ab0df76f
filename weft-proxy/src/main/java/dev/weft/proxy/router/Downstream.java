package dev.weft.proxy.router;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The client side of one exchange: an HTTP/1.1 connection or one HTTP/2 stream. The router writes
 * HTTP/1 message objects to it; the implementation owns protocol differences.
 */
public interface Downstream {
    /**
     * The client's connection (for an HTTP/2 stream, the connection it runs on): its addresses, TLS session
     * and {@link dev.weft.proxy.downstream.PeerIdentity}. Not for writing responses.
     */
    Channel connection();

    /** Writes a response object (head, body part, end; raw bytes after an upgrade); sent on {@link #flush()}. */
    void write(Object msg);

    void flush();

    /** Whether the client takes more response bytes now; {@link Exchange#onDownstreamWritable()} says when again. */
    boolean isWritable();

    ByteBufAllocator alloc();

    /** The loop the exchange runs on (the connection's). */
    EventLoop eventLoop();

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

    /**
     * The timer for the exchange's deadlines. An HTTP/1.1 connection, which carries one exchange
     * at a time, hands every exchange the same one, so a kept-alive connection does not schedule
     * and cancel a task per request; by default each exchange gets its own.
     */
    default DeadlineTimer deadlineTimer() {
        return DeadlineTimer.forOneExchange(eventLoop());
    }

    /** A 101 went out: the connection now relays raw bytes both ways. */
    void upgradeAccepted();

    /** An Upgrade request got an ordinary response: go on parsing HTTP. */
    void upgradeRejected();
}
