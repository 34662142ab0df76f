package dev.weft.proxy.downstream;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.http1.StrictHttp1RequestDecoder;
import dev.weft.proxy.http2.ConnectionWindow;
import dev.weft.proxy.router.ListenerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a downstream connection's pipeline: TLS with ALPN when the listener has a TLS context;
 * otherwise HTTP/1.1, HTTP/2 with prior knowledge, or (codec AUTO) whichever the first bytes say.
 */
public final class ListenerInitializer extends ChannelInitializer<Channel> {
    private static final Logger log = LoggerFactory.getLogger(ListenerInitializer.class);

    /**
     * Last handler of an HTTP/2 connection: a protocol error (for example HTTP/1.1 bytes on an
     * HTTP2-only listener) has already been answered with GOAWAY by the codec; close quietly.
     */
    private static final ChannelInboundHandlerAdapter CLOSE_ON_ERROR = new ChannelInboundHandlerAdapter() {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP/2 connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    };

    private final LiveListener listener;

    public ListenerInitializer(LiveListener listener) {
        this.listener = listener;
    }

    @Override
    protected void initChannel(Channel ch) {
        // the connection's settings (codec, TLS, HTTP/2 windows) are those of the config current
        // when it was accepted; each request on it takes the then-current routes
        ListenerContext context = listener.context();
        ListenerSpec spec = context.spec();
        listener.tracker().add(ch);
        context.connectionOpened();
        ch.closeFuture().addListener(f -> context.connectionClosed());
        ChannelPipeline p = ch.pipeline();
        if (spec.tls() != null) {
            p.addLast(spec.tls().newHandler(ch.alloc()), new Alpn(spec));
            return;
        }
        switch (spec.http().codec()) {
            case HTTP1 -> http1(p, spec, false);
            case HTTP2 -> http2(p, spec, false);
            case AUTO -> p.addLast(new PrefaceDetector(spec));
        }
    }

    private void http1(ChannelPipeline p, ListenerSpec spec, boolean secure) {
        StrictHttp1RequestDecoder decoder = new StrictHttp1RequestDecoder(spec.http().maxRequestHeadersBytes());
        p.addLast(decoder, new HttpResponseEncoder(), new Http1ServerHandler(listener, decoder, secure));
    }

    private void http2(ChannelPipeline p, ListenerSpec spec, boolean secure) {
        HttpSettings s = spec.http();
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(s.http2MaxConcurrentStreams())
                        .initialWindowSize(s.http2InitialStreamWindow())
                        .maxHeaderListSize(s.maxRequestHeadersBytes()))
                .validateHeaders(true)
                .build();
        p.addLast(codec, new ConnectionWindow(codec, s.http2InitialConnectionWindow()), new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                        new Http2StreamServerHandler(listener, secure));
            }
        }), CLOSE_ON_ERROR);
    }

    /** Tells HTTP/2 prior knowledge (the connection preface) from HTTP/1.x by the first bytes. */
    private final class PrefaceDetector extends ByteToMessageDecoder {
        private final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        private final ListenerSpec spec;

        PrefaceDetector(ListenerSpec spec) {
            this.spec = spec;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), preface.readableBytes());
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != preface.getByte(i)) {
                    http1(ctx.pipeline(), spec, false);
                    ctx.pipeline().remove(this);
                    return;
                }
            }
            if (n == preface.readableBytes()) {
                http2(ctx.pipeline(), spec, false);
                ctx.pipeline().remove(this);
            }
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            preface.release();
        }
    }

    /** Picks HTTP/2 or HTTP/1.1 from the TLS handshake's ALPN result. */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final ListenerSpec spec;

        Alpn(ListenerSpec spec) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.spec = spec;
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            // a client speaking plaintext to a TLS port, or failing the handshake: not the proxy's problem
            log.debug("TLS handshake from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("connection from {} failed before ALPN: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), spec, true);
            } else {
                http1(ctx.pipeline(), spec, true);
            }
        }
    }
}
