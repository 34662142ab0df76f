package dev.weft.proxy.downstream;

import dev.weft.proxy.config.FilterChainSpec;
import dev.weft.proxy.http1.StrictHttp1RequestDecoder;
import dev.weft.proxy.http2.ServerConnection;
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
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a downstream connection's pipeline. A listener with the TLS inspector first tells a TLS
 * connection from a plaintext one by its first bytes (a TLS record starts 0x16 0x03) and picks the filter
 * chain for it; then, per chain: TLS with ALPN when the chain has a TLS context (the verified client
 * certificate becomes the connection's {@link PeerIdentity}); otherwise HTTP/1.1, HTTP/2 with prior
 * knowledge, or (codec AUTO) whichever the first bytes say.
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
        listener.tracker().add(ch);
        ListenerContext first = listener.context();
        ch.pipeline().addLast(first.bytes());
        if (first.spec().tlsInspector()) {
            ch.pipeline().addLast(new TransportDetector());
        } else {
            startChain(ch, 0, first);
        }
    }

    /**
     * Sets up the pipeline of filter chain {@code index}. The connection's settings (codec, TLS, HTTP/2
     * windows) are those of the config current when its chain was chosen; each request on it takes the
     * then-current routes.
     */
    private void startChain(Channel ch, int index, ListenerContext context) {
        FilterChainSpec chain = context.chain();
        ch.attr(LiveListener.CHAIN).set(index);
        context.connectionOpened();
        ch.closeFuture().addListener(f -> context.connectionClosed());
        ChannelPipeline p = ch.pipeline();
        if (chain.tls() != null) {
            p.addLast(chain.tls().newHandler(ch.alloc()), new Alpn(index, chain));
            return;
        }
        switch (chain.http().codec()) {
            case HTTP1 -> http1(p, index, chain, false);
            case HTTP2 -> http2(p, index, chain, false);
            case AUTO -> p.addLast(new PrefaceDetector(index, chain));
        }
    }

    private void http1(ChannelPipeline p, int index, FilterChainSpec chain, boolean secure) {
        StrictHttp1RequestDecoder decoder = new StrictHttp1RequestDecoder(chain.http().maxRequestHeadersBytes());
        p.addLast(decoder, new HttpResponseEncoder(), new Http1ServerHandler(listener, index, decoder, secure));
    }

    private void http2(ChannelPipeline p, int index, FilterChainSpec chain, boolean secure) {
        ServerConnection.install(p, chain.http(), () -> new Http2StreamDownstream(listener, index, secure));
        p.addLast(CLOSE_ON_ERROR);
    }

    /**
     * The TLS inspector: tells a TLS connection (a handshake record: content type 0x16, version major 0x03)
     * from a plaintext one by its first bytes, and hands it to the filter chain matching that transport
     * protocol; a connection no chain matches is closed. The bytes stay in the pipeline for the chain.
     */
    private final class TransportDetector extends ByteToMessageDecoder {
        private static final int HANDSHAKE = 0x16;
        private static final int TLS_MAJOR = 0x03;

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int first = in.getUnsignedByte(in.readerIndex());
            boolean tls;
            if (first != HANDSHAKE) {
                tls = false;
            } else if (in.readableBytes() < 2) {
                return;
            } else {
                tls = in.getUnsignedByte(in.readerIndex() + 1) == TLS_MAJOR;
            }
            // the chain is chosen by the config current now, not at accept
            ListenerContext current = listener.context();
            int index = current.spec().chainFor(tls);
            if (index < 0) {
                log.debug("connection from {} ({}) matches no filter chain of listener {}; closing",
                        ctx.channel().remoteAddress(), tls ? "TLS" : "plaintext", current.spec().name());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            startChain(ctx.channel(), index, listener.context(index));
            ctx.pipeline().remove(this);
        }
    }

    /** Tells HTTP/2 prior knowledge (the connection preface) from HTTP/1.x by the first bytes. */
    private final class PrefaceDetector extends ByteToMessageDecoder {
        private final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        private final int index;
        private final FilterChainSpec chain;

        PrefaceDetector(int index, FilterChainSpec chain) {
            this.index = index;
            this.chain = chain;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), preface.readableBytes());
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != preface.getByte(i)) {
                    http1(ctx.pipeline(), index, chain, false);
                    ctx.pipeline().remove(this);
                    return;
                }
            }
            if (n == preface.readableBytes()) {
                http2(ctx.pipeline(), index, chain, false);
                ctx.pipeline().remove(this);
            }
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            preface.release();
        }
    }

    /**
     * Picks HTTP/2 or HTTP/1.1 from the TLS handshake's ALPN result, after recording the verified client
     * certificate's identity on the connection.
     */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final int index;
        private final FilterChainSpec chain;

        Alpn(int index, FilterChainSpec chain) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.index = index;
            this.chain = chain;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            // every failed handshake ends in this event: a refused certificate or protocol version, plaintext
            // bytes on a TLS chain; counted, and the connection is closed by the exception that comes with it
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                listener.context(index).tlsHandshakeFailed();
                log.debug("TLS handshake from {} failed: {}", ctx.channel().remoteAddress(), e.cause().toString());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("connection from {} failed before ALPN: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            listener.context(index).tlsHandshake();
            PeerIdentity peer = peer(ctx.pipeline().get(SslHandler.class));
            if (peer != null) {
                // before the codecs exist, so every request (and HTTP/2 stream) of the connection sees it
                ctx.channel().attr(PeerIdentity.KEY).set(peer);
            }
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), index, chain, true);
            } else {
                http1(ctx.pipeline(), index, chain, true);
            }
        }
    }

    static PeerIdentity peer(SslHandler ssl) {
        return PeerIdentity.fromHandshake(ssl);
    }
}
