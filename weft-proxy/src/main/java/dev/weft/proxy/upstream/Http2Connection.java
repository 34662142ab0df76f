package dev.weft.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpScheme;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A pooled HTTP/2 connection to one endpoint; exchanges are its streams, up to the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS. It stops taking new streams after a GOAWAY or when it has
 * served max_requests_per_connection, and closes once its last stream ends.
 *
 * <p>One handler owns all the streams: Netty's connection handler keeps the protocol state (flow
 * control, settings, GOAWAY) and this class hands each stream's frames to the
 * {@link Http2StreamHandler} stored on the Netty stream. A child channel per stream (with its
 * pipeline, registration and events) made an upstream HTTP/2 exchange about twice the cost of an
 * HTTP/1.1 one.
 *
 * <p>Reference counting: DATA read is retained into the message handed to the stream, which
 * passes it on or releases it; request content written is released by Netty's encoder.
 */
final class Http2Connection extends Http2ConnectionHandler implements Http2FrameListener {
    private final ConnectionPool pool;
    private final Channel channel;
    private final io.netty.handler.codec.http2.Http2Connection.PropertyKey streamKey;
    /** The request :scheme, from whether the connection is TLS. */
    private final AsciiString scheme;
    /** Streams that delivered something during the current read, told when the read ends. */
    private final ArrayList<Http2StreamHandler> readStreams = new ArrayList<>(4);
    private ChannelHandlerContext ctx;
    /** The stream whose HEADERS are being written, bound to the Netty stream as it is created. */
    private Http2StreamHandler opening;
    private int activeStreams;
    private int totalStreams;
    private boolean draining;
    /** Completes when the server's first SETTINGS frame arrives, fails when the connection closes first. */
    private final Promise<Void> settingsArrived;

    private Http2Connection(ConnectionPool pool, Channel channel, Http2ConnectionDecoder decoder,
            Http2ConnectionEncoder encoder, Http2Settings settings) {
        super(decoder, encoder, settings);
        this.pool = pool;
        this.channel = channel;
        this.settingsArrived = channel.eventLoop().newPromise();
        this.scheme = channel.pipeline().get(SslHandler.class) != null ? HttpScheme.HTTPS.name() : HttpScheme.HTTP.name();
        io.netty.handler.codec.http2.Http2Connection c = connection();
        streamKey = c.newKey();
        c.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamAdded(Http2Stream stream) {
                Http2StreamHandler h = opening;
                if (h != null && c.local().isValidStreamId(stream.id())) {
                    opening = null;
                    stream.setProperty(streamKey, h);
                    h.opened(stream);
                }
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                Http2StreamHandler h = stream.getProperty(streamKey);
                if (h != null) {
                    h.onClosed();
                }
            }
        });
        c.remote().flowController().listener(stream -> {
            Http2StreamHandler h = stream.getProperty(streamKey);
            if (h != null) {
                h.onWritabilityChanged();
            }
        });
        decoder.frameListener(this);
    }

    /** A connection handler for a client channel whose streams open with the given receive window. */
    static Http2Connection create(ConnectionPool pool, Channel channel, int initialStreamWindow) {
        return new Builder(pool, channel, initialStreamWindow).make();
    }

    /**
     * Completes once the server's SETTINGS (its stream limit among them) arrived; fails when the
     * connection closes first or they do not come within {@code timeoutMillis}.
     */
    Future<Void> settingsReceived(long timeoutMillis) {
        if (!settingsArrived.isDone()) {
            var timer = channel.eventLoop().schedule(() -> settingsArrived.tryFailure(new UpstreamConnectException(
                    "no HTTP/2 SETTINGS from " + channel.remoteAddress() + " within the connect timeout (" + timeoutMillis
                            + " ms)", true, null)), Math.max(1, timeoutMillis), TimeUnit.MILLISECONDS);
            settingsArrived.addListener(f -> timer.cancel(false));
        }
        return settingsArrived;
    }

    Channel channel() {
        return channel;
    }

    AsciiString scheme() {
        return scheme;
    }

    /** Whether a new stream may be opened now. */
    boolean hasCapacity() {
        if (draining || !channel.isActive()) {
            return false;
        }
        int max = pool.maxRequestsPerConnection();
        if (max > 0 && totalStreams >= max) {
            return false;
        }
        return activeStreams < connection().local().maxActiveStreams();
    }

    /** Whether no stream is open on it. */
    boolean isIdle() {
        return activeStreams == 0;
    }

    /**
     * Opens a stream; the promise completes with it. The HTTP/2 stream itself is created when its
     * request head is written. Nothing is opened for a promise already cancelled.
     */
    void openStream(Promise<UpstreamStream> promise) {
        if (promise.isDone()) {
            return;
        }
        activeStreams++;
        totalStreams++;
        int max = pool.maxRequestsPerConnection();
        if (max > 0 && totalStreams >= max) {
            draining = true;
        }
        Http2StreamHandler stream = new Http2StreamHandler(this);
        if (!promise.trySuccess(stream)) {
            stream.reset();
        }
    }

    /** Takes no new streams and closes once the open ones end (its pool was retired). */
    void drain() {
        draining = true;
        pool.removeHttp2(this);
        if (activeStreams == 0) {
            channel.close();
        }
    }

    /** Called once for each stream opened, when it is done with. */
    void streamClosed() {
        activeStreams--;
        if (activeStreams == 0 && draining) {
            channel.close();
        } else if (!draining) {
            pool.http2StreamClosed(this);
        }
    }

    // ---------------------------------------------------------------- writes, for the streams

    /**
     * Creates {@code h}'s HTTP/2 stream by writing its HEADERS; when it cannot be created (no
     * stream id left, the peer's stream limit, a GOAWAY) {@code h} learns it was refused.
     */
    void writeHeaders(Http2StreamHandler h, Http2Headers headers, boolean endStream) {
        int id = channel.isActive() ? connection().local().incrementAndGetNextStreamId() : -1;
        if (id < 0) {
            h.openFailed(channel.isActive() ? "no HTTP/2 stream id left on the upstream connection"
                    : "upstream connection closed");
            return;
        }
        ChannelPromise promise = ctx.newPromise();
        opening = h;
        try {
            encoder().writeHeaders(ctx, id, headers, 0, endStream, promise);
        } finally {
            opening = null;
        }
        if (!h.isOpen()) {
            Throwable cause = promise.cause();
            h.openFailed("upstream stream could not be opened: " + (cause == null ? "unknown" : cause.getMessage()));
        }
    }

    void writeData(Http2Stream stream, ByteBuf data, boolean endStream) {
        // A real promise: a void one would turn a failed write into an exception for the whole connection.
        encoder().writeData(ctx, stream.id(), data, 0, endStream, ctx.newPromise());
    }

    void writeTrailers(Http2Stream stream, Http2Headers trailers) {
        encoder().writeHeaders(ctx, stream.id(), trailers, 0, true, ctx.newPromise());
    }

    void flush() {
        flush(ctx);
    }

    void reset(Http2Stream stream) {
        resetStream(ctx, stream.id(), Http2Error.CANCEL.code(), ctx.newPromise());
        flush(ctx);
    }

    boolean isWritable(Http2Stream stream) {
        return connection().remote().flowController().isWritable(stream);
    }

    /** Returns {@code bytes} of response DATA delivered late (reading was paused) to the stream's window. */
    void consume(Http2Stream stream, int bytes) {
        try {
            if (connection().local().flowController().consumeBytes(stream, bytes)) {
                flush(ctx);
            }
        } catch (Http2Exception e) {
            onError(ctx, true, e);
        }
    }

    /** {@code h} delivered something in the current read: it hears of the read's end. */
    void delivered(Http2StreamHandler h) {
        if (!h.inRead) {
            h.inRead = true;
            readStreams.add(h);
        }
    }

    // ---------------------------------------------------------------- frames read

    private Http2StreamHandler handler(int streamId) {
        Http2Stream s = connection().stream(streamId);
        return s == null ? null : s.getProperty(streamKey);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        Http2StreamHandler h = handler(streamId);
        if (h == null) {
            return data.readableBytes() + padding;
        }
        try {
            return padding + h.onData(data, endOfStream);
        } catch (RuntimeException e) {
            throw Http2Exception.streamError(streamId, Http2Error.INTERNAL_ERROR, e, "response DATA failed: %s", e);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endOfStream) throws Http2Exception {
        Http2StreamHandler h = handler(streamId);
        if (h == null) {
            if (!connection().local().isValidStreamId(streamId)) {
                // opened by the server: push is disabled, and nothing else may open one
                resetStream(ctx, streamId, Http2Error.REFUSED_STREAM.code(), ctx.newPromise());
            }
            return;
        }
        try {
            h.onHeaders(headers, endOfStream);
        } catch (RuntimeException e) {
            throw Http2Exception.streamError(streamId, Http2Error.INTERNAL_ERROR, e, "response HEADERS failed: %s", e);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
            short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2StreamHandler h = handler(streamId);
        if (h != null) {
            h.onResetRead(errorCode);
        }
    }

    /** Called before Netty closes the streams the GOAWAY excludes: those were not processed. */
    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData)
            throws Http2Exception {
        draining = true;
        pool.removeHttp2(this);
        connection().forEachActiveStream(s -> {
            if (s.id() > lastStreamId) {
                Http2StreamHandler h = s.getProperty(streamKey);
                if (h != null) {
                    h.onGoAway();
                }
            }
            return true;
        });
        if (activeStreams == 0) {
            channel.close();
        }
    }

    @Override
    public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
            boolean exclusive) {
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) {
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
        settingsArrived.trySuccess(null);
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) {
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
    }

    @Override
    public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
            Http2Headers headers, int padding) {
        // push is disabled in our SETTINGS; Netty's decoder rejects a PUSH_PROMISE before this
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
    }

    @Override
    public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
            ByteBuf payload) {
    }

    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
            Http2Exception.StreamException e) {
        Http2StreamHandler h = handler(e.streamId());
        // STREAM_CLOSED: DATA still queued when the stream closed; what closed it is the reason
        if (h != null && e.error() != Http2Error.STREAM_CLOSED) {
            h.onStreamError(cause);
        }
        super.onStreamError(ctx, outbound, cause, e);
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        ArrayList<Http2StreamHandler> streams = readStreams;
        for (int i = 0; i < streams.size(); i++) {
            Http2StreamHandler h = streams.get(i);
            h.inRead = false;
            h.readComplete();
        }
        streams.clear();
        super.channelReadComplete(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (activeStreams == 0) {
                channel.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        settingsArrived.tryFailure(new UpstreamConnectException("upstream " + ctx.channel().remoteAddress()
                + " closed the connection before its HTTP/2 SETTINGS", false, null));
        draining = true;
        pool.removeHttp2(this);
        // closes the Netty streams, which tells the exchanges still on them
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause);
        } else {
            channel.close();
        }
    }

    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Http2Connection, Builder> {
        private final ConnectionPool pool;
        private final Channel channel;

        Builder(ConnectionPool pool, Channel channel, int initialStreamWindow) {
            this.pool = pool;
            this.channel = channel;
            server(false);
            initialSettings(Http2Settings.defaultSettings().pushEnabled(false).initialWindowSize(initialStreamWindow));
            validateHeaders(true);
            // as Http2FrameCodecBuilder: close() sends GOAWAY and closes without waiting for open streams
            gracefulShutdownTimeoutMillis(0);
        }

        Http2Connection make() {
            return build();
        }

        @Override
        protected Http2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            return new Http2Connection(pool, channel, decoder, encoder, initialSettings);
        }
    }
}
