package dev.weft.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.google.protobuf.Message;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.accesslog.AccessLogSink;
import dev.weft.proxy.tap.TapFilter;
import dev.weft.proxy.tap.TapSink;
import dev.weft.proxy.tap.TapSubscriber;
import dev.weft.proxy.tls.CertificateSecret;
import dev.weft.proxy.tls.SecretStore;
import dev.weft.proxy.tls.ValidationSecret;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.metrics.MetricWriter;
import dev.weft.proxy.metrics.PrometheusExposition;
import dev.weft.proxy.xds.XdsStatus;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.transport.Transport;
import dev.weft.proxy.upstream.UpstreamCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The admin endpoint: /ready, /stats, /stats/prometheus, /config_dump, /clusters, /xds (a dynamic proxy's ADS state),
 * /certs (the certificates and trust bundles in use, without keys), /tap (finished exchanges as a stream of JSON lines), /reopen_logs (POST: after an access log rotation)
 * and /quitquitquit (POST), modelled on Envoy's admin interface so the same habits and scripts work.
 */
public final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(HttpConnectionManager.getDescriptor())
                    .add(Router.getDescriptor())
                    .add(DownstreamTlsContext.getDescriptor())
                    .add(UpstreamTlsContext.getDescriptor())
                    .add(HttpProtocolOptions.getDescriptor())
                    .add(FileAccessLog.getDescriptor())
                    .add(StdoutAccessLog.getDescriptor())
                    .build())
            .preservingProtoFieldNames();

    private final Channel channel;
    /**
     * Renders /stats/prometheus off the event loops the admin shares with the listeners: an exposition of many
     * series is milliseconds of CPU that requests should not wait behind.
     */
    private final ExecutorService renderer;

    private AdminServer(Channel channel, ExecutorService renderer) {
        this.channel = channel;
        this.renderer = renderer;
    }

    /** Binds the admin endpoint for {@code proxy}. */
    public static AdminServer start(ProxyServer proxy, EventLoopGroup group, Transport transport, InetSocketAddress address) throws IOException {
        ExecutorService renderer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weft-admin-metrics");
            t.setDaemon(true);
            return t;
        });
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new Handler(proxy, renderer));
                    }
                });
        // As for listeners: sync() would rethrow a native transport's IOException undeclared.
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            renderer.shutdown();
            throw new IOException("admin: cannot bind " + address + ": " + bound.cause().getMessage(), bound.cause());
        }
        return new AdminServer(bound.channel(), renderer);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close();
        renderer.shutdown();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ProxyServer proxy;
        private final ExecutorService renderer;
        /** A scrape is being rendered; requests that arrive meanwhile wait in {@link #queued} (event loop only). */
        private boolean rendering;
        private final java.util.ArrayDeque<FullHttpRequest> queued = new java.util.ArrayDeque<>();

        Handler(ProxyServer proxy, ExecutorService renderer) {
            this.proxy = proxy;
            this.renderer = renderer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (rendering) {
                // pipelined behind a scrape being rendered: answered after it, in order
                queued.add(req.retain());
                return;
            }
            handle(ctx, req);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            for (FullHttpRequest r; (r = queued.poll()) != null; ) {
                r.release();
            }
            super.channelInactive(ctx);
        }

        private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (ctx.pipeline().get(TapSubscriber.class) != null) {
                // the connection streams a tap; it takes no further request
                return;
            }
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            if (q.path().equals("/tap")) {
                FullHttpResponse refused = tap(ctx, q);
                if (refused == null) {
                    return;
                }
                ctx.writeAndFlush(refused).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (q.path().equals("/stats/prometheus")) {
                prometheus(ctx, req);
                return;
            }
            boolean json = "json".equals(first(q, "format"));
            FullHttpResponse resp = switch (q.path()) {
                case "/ready" -> proxy.isReady() ? text(HttpResponseStatus.OK, "LIVE\n")
                        : text(HttpResponseStatus.SERVICE_UNAVAILABLE, proxy.isStopping() ? "DRAINING\n" : "INITIALIZING\n");
                case "/stats" -> json ? json(statsJson()) : text(HttpResponseStatus.OK, statsText(first(q, "filter")));
                case "/config_dump" -> json(configDump());
                case "/clusters" -> json ? json(clustersJson()) : text(HttpResponseStatus.OK, clustersText());
                case "/xds" -> proxy.xdsStatus() == null
                        ? text(HttpResponseStatus.NOT_FOUND, "this proxy runs a static bootstrap (no dynamic_resources)\n")
                        : json(xdsJson(proxy.xdsStatus()));
                case "/quitquitquit" -> quit(req);
                case "/reopen_logs" -> reopenLogs(req);
                case "/certs" -> json(certs());
                case "/" -> text(HttpResponseStatus.OK, "weft admin: /ready /stats /stats/prometheus /config_dump /clusters /xds /certs /tap /reopen_logs (POST) /quitquitquit (POST)\n");
                default -> text(HttpResponseStatus.NOT_FOUND, "no admin endpoint " + q.path() + "\n");
            };
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /**
         * {@code GET /tap?service=&authority=&path=&status=&count=}: streams finished exchanges as JSON lines; null
         * when the stream started, else the refusal to send.
         */
        private FullHttpResponse tap(ChannelHandlerContext ctx, QueryStringDecoder q) {
            TapSink sink = proxy.telemetry().sink(TapSink.class);
            if (sink == null) {
                return text(HttpResponseStatus.NOT_FOUND, "this proxy has no tap\n");
            }
            TapFilter filter;
            long count = 0;
            try {
                filter = TapFilter.parse(first(q, "authority"), first(q, "service"), first(q, "path"),
                        first(q, "status"));
                String c = first(q, "count");
                if (c != null) {
                    count = Long.parseLong(c);
                    if (count < 1) {
                        throw new IllegalArgumentException("count: expected a number > 0, got " + c);
                    }
                }
            } catch (NumberFormatException e) {
                return text(HttpResponseStatus.BAD_REQUEST, "count: expected a number > 0, got " + first(q, "count") + "\n");
            } catch (IllegalArgumentException e) {
                return text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
            }
            try {
                TapSubscriber.start(sink, ctx.channel(), filter, count);
            } catch (IllegalStateException e) {
                return text(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage() + "\n");
            }
            return null;
        }

        /**
         * {@code /certs}: every secret the proxy's handshakes use now (its own certificate, trust bundles), with
         * where it came from (local: the identity agent; static: the bootstrap; xds: SDS), each certificate's
         * subject, URI SANs, serial and validity, and days until it expires. Never key material.
         */
        private JsonNode certs() {
            ObjectNode o = JSON.createObjectNode();
            ArrayNode out = o.putArray("certificates");
            SecretStore store = proxy.secrets();
            java.time.Instant now = store.clock().instant();
            new java.util.TreeMap<>(store.snapshot()).forEach((name, secret) -> {
                ObjectNode c = out.addObject();
                c.put("name", name);
                c.put("source", store.isLocal(name) ? "local" : store.isStaticOrLocal(name) ? "static" : "xds");
                if (secret instanceof CertificateSecret cert) {
                    c.put("kind", "certificate");
                    ArrayNode chain = c.putArray("chain");
                    cert.chain().forEach(x -> chain.add(describe(x, now)));
                } else if (secret instanceof ValidationSecret v) {
                    c.put("kind", "trust bundle");
                    ArrayNode domains = c.putArray("trust_domains");
                    if (v.isSpiffe()) {
                        new java.util.TreeMap<>(v.trustDomains()).forEach((td, bundle) -> {
                            ObjectNode d = domains.addObject().put("name", td);
                            ArrayNode roots = d.putArray("roots");
                            bundle.roots().forEach(x -> roots.add(describe(x, now)));
                        });
                    } else {
                        ObjectNode d = domains.addObject().putNull("name");
                        ArrayNode roots = d.putArray("roots");
                        v.trustedCa().forEach(x -> roots.add(describe(x, now)));
                    }
                }
            });
            return o;
        }

        private static ObjectNode describe(java.security.cert.X509Certificate x, java.time.Instant now) {
            ObjectNode d = JSON.createObjectNode();
            d.put("subject", x.getSubjectX500Principal().getName());
            ArrayNode sans = d.putArray("uri_sans");
            try {
                ValidationSecret.uriSans(x).forEach(sans::add);
            } catch (java.security.cert.CertificateParsingException e) {
                d.put("error", "cannot read the subject alternative names: " + e.getMessage());
            }
            d.put("serial", x.getSerialNumber().toString(16));
            d.put("not_before", x.getNotBefore().toInstant().toString());
            d.put("not_after", x.getNotAfter().toInstant().toString());
            d.put("days_until_expiration", java.time.Duration.between(now, x.getNotAfter().toInstant()).toDays());
            return d;
        }

        /** {@code POST /reopen_logs}: access log files are closed and reopened before their next line (log rotation). */
        private FullHttpResponse reopenLogs(FullHttpRequest req) {
            if (!HttpMethod.POST.equals(req.method())) {
                return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST /reopen_logs\n");
            }
            AccessLogSink logs = proxy.telemetry().sink(AccessLogSink.class);
            if (logs != null) {
                logs.writer().reopen();
            }
            return text(HttpResponseStatus.OK, "OK\n");
        }

        /**
         * Prometheus text 0.0.4, or OpenMetrics 1.0 when the Accept header asks for it, rendered on the admin's
         * renderer thread. The connection reads nothing more until the answer is written, so a pipelined request
         * behind this one is answered after it.
         */
        private void prometheus(ChannelHandlerContext ctx, FullHttpRequest req) {
            MetricWriter.Format format = MetricWriter.Format.negotiate(req.headers().get(HttpHeaderNames.ACCEPT));
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            Channel ch = ctx.channel();
            ch.config().setAutoRead(false);
            rendering = true;
            try {
                renderer.execute(() -> {
                    FullHttpResponse r;
                    try {
                        byte[] body = PrometheusExposition.render(proxy, format).getBytes(StandardCharsets.UTF_8);
                        r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                Unpooled.wrappedBuffer(body));
                        r.headers().set(HttpHeaderNames.CONTENT_TYPE, format.contentType());
                        HttpUtil.setContentLength(r, body.length);
                    } catch (RuntimeException e) {
                        r = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot render the metrics: " + e + "\n");
                    }
                    FullHttpResponse response = r;
                    ch.eventLoop().execute(() -> respondAndRead(ctx, response, keepAlive));
                });
            } catch (RejectedExecutionException e) {
                respondAndRead(ctx, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the admin is closing\n"), false);
            }
        }

        /** Writes a rendered scrape, then answers what was pipelined behind it and reads on. */
        private void respondAndRead(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
            rendering = false;
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            for (FullHttpRequest next; !rendering && (next = queued.poll()) != null; ) {
                try {
                    handle(ctx, next);
                } finally {
                    next.release();
                }
            }
            if (!rendering) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        private FullHttpResponse quit(FullHttpRequest req) {
            if (!HttpMethod.POST.equals(req.method())) {
                return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST /quitquitquit\n");
            }
            long drain = proxy.snapshot().listeners().stream().mapToLong(l -> l.http().drainTimeoutMillis()).max().orElse(5000);
            proxy.drainAndStop(drain);
            return text(HttpResponseStatus.OK, "OK\n");
        }

        private String statsText(String filter) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, Long> e : proxy.stats().snapshot().entrySet()) {
                if (filter == null || e.getKey().contains(filter)) {
                    sb.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
                }
            }
            return sb.toString();
        }

        private JsonNode statsJson() {
            ObjectNode o = JSON.createObjectNode();
            proxy.stats().snapshot().forEach(o::put);
            return o;
        }

        private JsonNode configDump() {
            ProxySnapshot snapshot = proxy.snapshot();
            ObjectNode o = JSON.createObjectNode();
            o.put("version", snapshot.version());
            try {
                o.set("bootstrap", print(snapshot.source()));
                if (snapshot.dynamic()) {
                    // what is being served, as the control plane sent it
                    ObjectNode d = o.putObject("dynamic_resources");
                    d.set("listeners", printAll(snapshot.resources().listeners().values()));
                    d.set("route_configs", printAll(snapshot.resources().routes().values()));
                    d.set("clusters", printAll(snapshot.resources().clusters().values()));
                    d.set("endpoints", printAll(snapshot.resources().endpoints().values()));
                }
            } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
                o.put("error", "cannot print the configuration: " + e.getMessage());
            }
            return o;
        }

        private static JsonNode print(Message m) throws InvalidProtocolBufferException, com.fasterxml.jackson.core.JsonProcessingException {
            JsonNode node = JSON.readTree(PRINTER.print(m));
            redactKeys(node);
            return node;
        }

        private static JsonNode printAll(Collection<? extends Message> messages)
                throws InvalidProtocolBufferException, com.fasterxml.jackson.core.JsonProcessingException {
            ArrayNode a = JSON.createArrayNode();
            for (Message m : messages) {
                a.add(print(m));
            }
            return a;
        }

        private static JsonNode xdsJson(XdsStatus s) {
            ObjectNode o = JSON.createObjectNode();
            o.put("server", s.server());
            o.put("node_id", s.nodeId());
            o.put("connected", s.connected());
            o.put("applied", s.appliedSnapshot());
            s.warming().forEach(o.putArray("warming")::add);
            ObjectNode types = o.putObject("types");
            s.types().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                XdsStatus.TypeStatus t = e.getValue();
                ObjectNode to = types.putObject(e.getKey().name());
                to.put("type_url", e.getKey().typeUrl());
                to.put("version", t.version());
                to.put("applied_version", t.appliedVersion());
                to.put("nonce", t.nonce());
                to.put("error", t.error());
                ArrayNode names = to.putArray("resources");
                t.resources().forEach(names::add);
                if (!e.getKey().wildcard()) {
                    ArrayNode subscribed = to.putArray("subscribed");
                    t.subscribed().forEach(subscribed::add);
                }
            });
            if (s.lastRejection() != null) {
                ObjectNode r = o.putObject("last_rejection");
                r.put("type", s.lastRejection().type().name());
                r.put("version", s.lastRejection().version());
                r.put("reason", s.lastRejection().reason());
                r.put("at", s.lastRejection().at().toString());
            } else {
                o.putNull("last_rejection");
            }
            return o;
        }

        /** Private keys never leave the proxy, not even to its admin: replace inline key material. */
        private static void redactKeys(JsonNode node) {
            if (node instanceof ObjectNode obj) {
                JsonNode key = obj.get("private_key");
                if (key instanceof ObjectNode k && (k.has("inline_string") || k.has("inline_bytes"))) {
                    k.removeAll();
                    k.put("inline_string", "[redacted]");
                }
                for (Iterator<JsonNode> it = obj.elements(); it.hasNext(); ) {
                    redactKeys(it.next());
                }
            } else if (node != null && node.isArray()) {
                node.forEach(AdminServer.Handler::redactKeys);
            }
        }

        private String clustersText() {
            StringBuilder sb = new StringBuilder();
            for (UpstreamCluster c : proxy.clusters().clusters().values()) {
                String p = c.name() + "::";
                sb.append(p).append("type::").append(c.spec().type()).append('\n');
                clusterCounters(c).forEach((k, v) -> sb.append(p).append(k).append("::").append(v).append('\n'));
                for (Endpoint e : c.endpoints()) {
                    String h = p + e.address().getAddress().getHostAddress() + ":" + e.address().getPort() + "::";
                    sb.append(h).append("health_flags::").append(e.healthy() ? "healthy" : "/failed_eds_health").append('\n');
                    sb.append(h).append("weight::").append(e.weight()).append('\n');
                    sb.append(h).append("priority::").append(e.priority()).append('\n');
                    sb.append(h).append("rq_active::").append(e.activeRequests()).append('\n');
                }
            }
            return sb.toString();
        }

        /** The cluster's counters (upstream_rq_total, upstream_cx_active, ...) without their prefix. */
        private Map<String, Long> clusterCounters(UpstreamCluster c) {
            String prefix = "cluster." + c.name() + ".";
            Map<String, Long> out = new java.util.TreeMap<>();
            proxy.stats().snapshot().forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    out.put(k.substring(prefix.length()), v);
                }
            });
            return out;
        }

        private JsonNode clustersJson() {
            ObjectNode root = JSON.createObjectNode();
            var arr = root.putArray("clusters");
            for (UpstreamCluster c : proxy.clusters().clusters().values()) {
                ObjectNode co = arr.addObject();
                co.put("name", c.name());
                co.put("type", c.spec().type().name());
                ObjectNode counters = co.putObject("counters");
                clusterCounters(c).forEach(counters::put);
                var eps = co.putArray("endpoints");
                for (Endpoint e : c.endpoints()) {
                    ObjectNode eo = eps.addObject();
                    eo.put("address", e.address().getAddress().getHostAddress() + ":" + e.address().getPort());
                    eo.put("healthy", e.healthy());
                    eo.put("weight", e.weight());
                    eo.put("priority", e.priority());
                    eo.put("rq_active", e.activeRequests());
                }
            }
            return root;
        }

        private static String first(QueryStringDecoder q, String name) {
            var v = q.parameters().get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            return r;
        }

        private static FullHttpResponse json(JsonNode node) {
            FullHttpResponse r;
            try {
                r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage() + "\n");
            }
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
