package dev.weft.testkit.modelserver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * A simulated OpenAI-compatible model server on real sockets, for tests and the demo.
 *
 * <p>Serves {@code POST /v1/chat/completions} and {@code POST /v1/completions} (JSON or server-sent
 * events, paced by the configured time to first token and tokens per second, limited by a concurrency
 * gate with a FIFO queue), {@code GET /v1/models}, {@code GET /health}, {@code GET /metrics}
 * (Prometheus text), and for proxy tests {@code /echo}, {@code /sink}, {@code /status/{code}},
 * {@code /bytes/{n}} and {@code /delay/{ms}}. Every response carries {@code x-model-server-instance}
 * and {@code x-model-version}. HTTP/1.1 with keep-alive and chunked bodies; HTTP/2 with prior
 * knowledge too when {@link ModelServerConfig#h2c()} is on. Bodies of /echo, /sink and /bytes stream
 * with back-pressure and are never held whole.
 *
 * <p>Route names accepted by {@link #requestCount(String)}: the paths above, with parameters as
 * {@code /status/{code}}, {@code /bytes/{n}}, {@code /delay/{ms}}; {@code unmatched} for any other.
 */
public final class ModelServer implements AutoCloseable {

    private final ServerContext context;
    private final EventLoopGroup group;
    private final ChannelGroup channels;
    private final Channel serverChannel;
    private final int port;

    private ModelServer(ServerContext context, EventLoopGroup group, ChannelGroup channels, Channel serverChannel) {
        this.context = context;
        this.group = group;
        this.channels = channels;
        this.serverChannel = serverChannel;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Starts a server on an ephemeral port of {@code config.host()}. */
    public static ModelServer start(ModelServerConfig config) {
        return start(config, 0);
    }

    /**
     * Starts a server on {@code port} (0 for an ephemeral one) of {@code config.host()} and returns
     * once it is listening.
     *
     * @throws IllegalStateException when the address cannot be bound
     */
    public static ModelServer start(ModelServerConfig config, int port) {
        ServerContext context = new ServerContext(config);
        ServerPipelines pipelines = new ServerPipelines(context);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                new DefaultThreadFactory("model-server-" + config.instanceId(), true), NioIoHandler.newFactory());
        ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try {
            Channel serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Room for several 64 KiB chunks of /bytes before writes pause.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 512 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            channels.add(ch);
                            pipelines.configureConnection(ch.pipeline());
                        }
                    })
                    .bind(config.host(), port)
                    .syncUninterruptibly()
                    .channel();
            return new ModelServer(context, group, channels, serverChannel);
        } catch (Exception e) {
            // bind failures arrive as checked exceptions rethrown unchecked by syncUninterruptibly
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
            throw new IllegalStateException("model server cannot listen on " + config.host() + ":" + port, e);
        }
    }

    /** The configuration it runs with. */
    public ModelServerConfig config() {
        return context.config;
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** The address it listens on. */
    public String host() {
        return context.config.host();
    }

    /** {@code http://host:port}. */
    public String baseUrl() {
        String host = context.config.host();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code http://host:port<path>}. */
    public URI uri(String path) {
        return URI.create(baseUrl() + path);
    }

    /** Requests received (counted when their headers arrive), all routes. */
    public long requestCount() {
        return context.metrics.requests();
    }

    /** Requests received on one route, for example {@code /v1/chat/completions} or {@code /bytes/{n}}. */
    public long requestCount(String route) {
        return context.metrics.requests(route);
    }

    /** Responses sent with {@code status}, all routes. */
    public long responseCount(int status) {
        return context.metrics.responses(status);
    }

    /** Responses sent on {@code route} with {@code status}. */
    public long responseCount(String route, int status) {
        return context.metrics.responses(route, status);
    }

    /** Requests received and not yet fully answered (including queued completions). */
    public int inFlight() {
        return context.metrics.inFlight();
    }

    /** Completion requests waiting for a concurrency slot. */
    public int queued() {
        return context.gate.queued();
    }

    /** Completion tokens generated so far. */
    public long tokensGenerated() {
        return context.metrics.tokens();
    }

    /** Request body bytes read by /sink and /echo. */
    public long requestBodyBytes() {
        return context.metrics.bodyBytesReceived();
    }

    /** Response body bytes handed to the channel by /bytes and /echo. */
    public long responseBodyBytes() {
        return context.metrics.bodyBytesSent();
    }

    /** Stops listening, closes every connection and shuts the event loops down; waits for them. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return "ModelServer[" + context.config.instanceId() + " " + context.config.model() + "@"
                + context.config.version() + " " + baseUrl() + "]";
    }
}
