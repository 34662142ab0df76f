package dev.weft.testkit.modelserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.testkit.Curl;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With h2c on, one port serves HTTP/2 with prior knowledge and HTTP/1.1 (checked with curl and Netty). */
class ModelServerH2cTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ModelServer server;

    @BeforeAll
    static void start() {
        server = ModelServer.start(ModelServerConfig.builder().h2c(true).instanceId("h2c-pod").build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void chatCompletionOverHttp2PriorKnowledge() throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        // when
        Curl.Result result = Curl.run("--http2-prior-knowledge", "-v", "-H", "content-type: application/json",
                "-d", "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
                server.baseUrl() + "/v1/chat/completions");

        // then
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.httpVersion()).isEqualTo("2");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.stderr()).contains("x-model-server-instance: h2c-pod");
        assertThat(JSON.readTree(result.body()).path("usage").path("completion_tokens").asInt()).isEqualTo(16);
    }

    @Test
    void streamingOverHttp2EndsWithDone() {
        assumeTrue(Curl.available(), "curl is not installed");
        // when
        Curl.Result result = Curl.run("--http2-prior-knowledge", "-N", "-H", "content-type: application/json",
                "-d", "{\"stream\":true,\"max_tokens\":3,\"prompt\":\"hi\"}", server.baseUrl() + "/v1/completions");

        // then
        assertThat(result.httpVersion()).isEqualTo("2");
        String body = result.bodyText();
        assertThat(body.split("\n\n")).hasSize(6);
        assertThat(body).startsWith("data: {").endsWith("data: [DONE]\n\n").contains("\"total_tokens\":4");
    }

    @Test
    void concurrentStreamsOnOneConnectionAreServedInParallel() throws Exception {
        // given: a Netty HTTP/2 client (curl 7.88 cannot reuse a prior-knowledge connection)
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect(server.host(), server.port()).sync().channel();
            long before = server.requestCount("/delay/{ms}");
            List<CompletableFuture<FullHttpResponse>> responses = new ArrayList<>();

            // when: three 400 ms requests on three streams of the one connection
            for (int i = 0; i < 3; i++) {
                CompletableFuture<FullHttpResponse> response = new CompletableFuture<>();
                responses.add(response);
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                        .handler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(1024 * 1024),
                                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx,
                                                                        FullHttpResponse msg) {
                                                response.complete(msg.retainedDuplicate());
                                            }
                                        });
                            }
                        })
                        .open().sync().getNow();
                DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                        "/delay/400");
                request.headers().set(HttpHeaderNames.HOST, server.host());
                stream.writeAndFlush(request);
            }

            // then: all three are in flight together, and all answer
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> server.requestCount("/delay/{ms}") - before == 3 && server.inFlight() >= 3);
            for (CompletableFuture<FullHttpResponse> future : responses) {
                FullHttpResponse response = future.get(10, TimeUnit.SECONDS);
                try {
                    assertThat(response.status().code()).isEqualTo(200);
                    assertThat(response.headers().get("x-model-server-instance")).isEqualTo("h2c-pod");
                    assertThat(response.content().toString(StandardCharsets.UTF_8)).contains("400");
                } finally {
                    response.release();
                }
            }
            connection.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void largeEchoAndBytesOverHttp2(@TempDir Path dir) throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        // given
        Path upload = dir.resolve("upload.bin");
        byte[] data = new byte[16 * 1024 * 1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Files.write(upload, data);

        // when
        Curl.Result echo = Curl.run("--http2-prior-knowledge", "--data-binary", "@" + upload,
                server.baseUrl() + "/echo");
        Curl.Result bytes = Curl.run("--http2-prior-knowledge", server.baseUrl() + "/bytes/" + (8 * 1024 * 1024));

        // then
        assertThat(echo.status()).isEqualTo(200);
        assertThat(echo.body()).isEqualTo(data);
        assertThat(bytes.httpVersion()).isEqualTo("2");
        assertThat(bytes.body()).hasSize(8 * 1024 * 1024);
    }

    @Test
    void http1StillWorksOnTheSamePort() {
        assumeTrue(Curl.available(), "curl is not installed");
        // when
        Curl.Result result = Curl.run("--http1.1", server.baseUrl() + "/health");

        // then
        assertThat(result.httpVersion()).isEqualTo("1.1");
        assertThat(result.bodyText()).isEqualTo("ok");
    }

    @Test
    void largeEchoOverHttp1WithAClientThatReadsWhileSending(@TempDir Path dir) throws Exception {
        assumeTrue(Curl.available(), "curl is not installed");
        // given
        Path upload = dir.resolve("upload.bin");
        byte[] data = new byte[32 * 1024 * 1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        Files.write(upload, data);

        // when
        Curl.Result echo = Curl.run("--http1.1", "--data-binary", "@" + upload, server.baseUrl() + "/echo");

        // then
        assertThat(echo.exitCode()).as(echo.stderr()).isZero();
        assertThat(echo.body()).isEqualTo(data);
    }
}
