package dev.weft.proxy.http2;

import dev.weft.proxy.config.HttpSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Connection;
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
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.ArrayList;
import java.util.function.Supplier;

/**
 * A downstream HTTP/2 connection: the connection handler with the listener's settings (a {@link ConnectionWindow}
 * behind it raises the connection window), handing each request stream's frames, as HTTP/1 message objects, to a
 * {@link ServerStream} made by {@code streams}. A stream is a plain object, not a channel: no pipeline, registration or promise per stream.
 *
 * <p>Flushes are consolidated. A response usually ends on a read of its upstream connection, outside any
 * read of this one, and each stream's flush would then be a write(2) of its own; instead the frames of
 * every stream that ended in one turn of the event loop go out in one write when the turn's I/O is done.
 * Flushes made while this connection is read go out when the read ends, and those made as it ends (the
 * handler's own) when the turn ends (docs/benchmarks.md, "HTTP/2 downstream").
 *
 * <p>Reference counting: request DATA is retained for the stream, which owns what it is handed; what a
 * stream still holds when it closes is released.
 */
public final class ServerConnection extends Http2ConnectionHandler {
    /** Stream resets a client may send per second before the connection is closed with ENHANCE_YOUR_CALM. */
    static final int MAX_CLIENT_RESETS_PER_SECOND = 1_000;
    private final Supplier<? extends ServerStream> streams;
    private final Http2Connection.PropertyKey key;
    /** Streams given messages during the current read; they hear of its end. */
    private final ArrayList<ServerStream> readStreams = new ArrayList<>(4);
    private ChannelHandlerContext ctx;
    private boolean reading;

    private ServerConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
            Supplier<? extends ServerStream> streams) {
        super(decoder, encoder, settings, false, true);
        this.streams = streams;
        this.key = connection().newKey();
        decoder.frameListener(new Frames());
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                ServerStream s = stream.removeProperty(key);
                if (s != null) {
                    s.closed();
                }
            }
        });
    }

    /** Adds the connection's handlers at the end of {@code p}; {@code streams} makes the handler of each request. */
    public static void install(ChannelPipeline p, HttpSettings s, Supplier<? extends ServerStream> streams) {
        ServerConnection connection = new Builder(s, streams).build();
        p.addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                connection, new ConnectionWindow(connection, s.http2InitialConnectionWindow()));
    }

    /** Sends GOAWAY: the streams opened so far run to their end, the client opens no more. */
    public void drain() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        c.executor().execute(() -> {
            if (c.channel().isActive() && !connection().goAwaySent()) {
                goAway(c, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                        c.newPromise());
                flush(c);
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
        connection().remote().flowController().listener(stream -> {
            ServerStream s = stream.getProperty(key);
            if (s != null && isWritable(stream)) {
                s.writable();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        reading = false;
        // index loop: a stream's read completion may not add streams, but must not trip over one that closed
        for (int i = 0; i < readStreams.size(); i++) {
            readStreams.get(i).readComplete();
        }
        readStreams.clear();
        super.channelReadComplete(ctx);
    }

    // ---------------------------------------------------------------- for ServerStream

    ChannelHandlerContext ctx() {
        return ctx;
    }

    boolean reading() {
        return reading;
    }

    /** The stream was handed messages during the current read. */
    void readBy(ServerStream s) {
        readStreams.add(s);
    }

    boolean isWritable(Http2Stream stream) {
        return encoder().flowController().isWritable(stream);
    }

    /** Returns {@code bytes} of {@code stream}'s receive window; true when a WINDOW_UPDATE was written. */
    boolean consume(Http2Stream stream, int bytes) {
        try {
            return bytes > 0 && connection().local().flowController().consumeBytes(stream, bytes);
        } catch (Http2Exception e) {
            onError(ctx, true, e);
            return false;
        }
    }

    void flush() {
        flush(ctx);
    }

    private final class Frames implements Http2FrameListener {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) throws Http2Exception {
            Http2Stream stream = connection().stream(streamId);
            if (stream == null) {
                return;
            }
            ServerStream s = stream.getProperty(key);
            if (s == null) {
                s = streams.get();
                stream.setProperty(key, s);
                s.opened(ServerConnection.this, stream);
            }
            s.headersRead(headers, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            Http2Stream stream = connection().stream(streamId);
            ServerStream s = stream == null ? null : stream.getProperty(key);
            if (s == null) {
                return data.readableBytes() + padding;
            }
            // the data's share of the window is returned as the stream's handler takes it
            s.dataRead(data.retain(), endOfStream);
            return padding;
        }

        @Override
        public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                boolean exclusive) {
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            // the stream is closed next, which tells its handler
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext ctx) {
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        }

        @Override
        public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId, Http2Headers headers,
                int padding) {
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            // a client's GOAWAY concerns streams the server opens, and it opens none
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
        }

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                ByteBuf payload) {
        }
    }

    /** The builder's configuration methods are protected, so the settings are applied here. */
    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<ServerConnection, Builder> {
        private final Supplier<? extends ServerStream> streams;

        Builder(HttpSettings s, Supplier<? extends ServerStream> streams) {
            this.streams = streams;
            server(true);
            // as Http2FrameCodecBuilder: closing the connection does not wait for its streams
            gracefulShutdownTimeoutMillis(0);
            // Netty's guard against rapid reset (CVE-2023-44487) closes a connection after 200 client resets
            // in 30 s; gRPC clients reset every call whose deadline passes, so an overloaded proxy would
            // drop whole connections of legitimate calls. A stream reset costs no more than a request.
            decoderEnforceMaxRstFramesPerWindow(MAX_CLIENT_RESETS_PER_SECOND, 1);
            validateHeaders(true);
            initialSettings(Http2Settings.defaultSettings()
                    .maxConcurrentStreams(s.http2MaxConcurrentStreams())
                    .initialWindowSize(s.http2InitialStreamWindow())
                    .maxHeaderListSize(s.maxRequestHeadersBytes()));
        }

        @Override
        public ServerConnection build() {
            return super.build();
        }

        @Override
        protected ServerConnection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            return new ServerConnection(decoder, encoder, initialSettings, streams);
        }
    }
}
