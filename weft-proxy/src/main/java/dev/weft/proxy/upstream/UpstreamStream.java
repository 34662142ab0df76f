package dev.weft.proxy.upstream;

import io.netty.channel.Channel;

/**
 * One request/response exchange with an upstream, over a pooled HTTP/1.1 connection or an HTTP/2
 * stream. Both speak Netty's HTTP/1 message objects, so the router does not care which.
 */
public interface UpstreamStream {
    /** Sets who receives the response; must be called before the first write. */
    void listener(UpstreamListener listener);

    /** Writes a request head, body part, or raw bytes after an upgrade (ownership passes to the stream). */
    void write(Object msg);

    void flush();

    boolean isWritable();

    /** Pauses or resumes reading the response (back-pressure from the downstream). */
    void setAutoRead(boolean autoRead);

    /** The exchange completed cleanly: the connection may be reused. */
    void release();

    /** Abandons the exchange: an HTTP/1.1 connection is closed, an HTTP/2 stream reset. */
    void reset();

    /** The channel writes go to, for its allocator and event loop. */
    Channel channel();

    /** "HTTP/1.1" or "HTTP/2", for logs. */
    String protocol();
}
