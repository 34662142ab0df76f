package dev.weft.testkit.modelserver;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/** Builds the handlers of a model server connection: HTTP/1.1, or HTTP/2 with one child channel per stream. */
final class ServerPipelines {

    private static final Http2StreamFrameToHttpObjectCodec STREAM_CODEC = new Http2StreamFrameToHttpObjectCodec(true);

    private final ServerContext server;

    ServerPipelines(ServerContext server) {
        this.server = server;
    }

    /** The pipeline of a new connection: straight to HTTP/1.1, or detection when h2c is on. */
    void configureConnection(ChannelPipeline pipeline) {
        if (server.config.h2c()) {
            pipeline.addLast("protocol-detector", new ProtocolDetector(this));
        } else {
            configureHttp1(pipeline);
        }
    }

    void configureHttp1(ChannelPipeline pipeline) {
        pipeline.addLast("http1-codec", new HttpServerCodec());
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("exchanges", new ExchangeHandler(server, false));
    }

    void configureHttp2(ChannelPipeline pipeline) {
        pipeline.addLast("http2-codec", Http2FrameCodecBuilder.forServer().build());
        pipeline.addLast("http2-multiplex", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast("http2-to-http", STREAM_CODEC);
                stream.pipeline().addLast("exchanges", new ExchangeHandler(server, true));
            }
        }));
    }
}
