package dev.weft.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.weft.proxy.it.Bootstraps;
import dev.weft.proxy.it.ProxyFixture;
import dev.weft.proxy.it.Utf8Marshaller;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing over HTTP/2 both ways: a grpc-java client and an h2c grpc-java server around a traced proxy. The server
 * sees the CLIENT span's context in its metadata, and a non-OK gRPC status marks the spans failed.
 */
class GrpcTracingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    private static final Utf8Marshaller UTF8 = Utf8Marshaller.INSTANCE;
    /** Answers "echo: " + the request, or ABORTED when the request is "abort". */
    private static final MethodDescriptor<String, String> UNARY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("weft.test.Echo", "Unary"))
            .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();

    private final List<String> serverSaw = new CopyOnWriteArrayList<>();
    private final List<JsonNode> spans = new CopyOnWriteArrayList<>();
    private Server server;
    private HttpServer collector;
    private ManagedChannel channel;
    private ProxyFixture proxy;

    @BeforeEach
    void start() throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("weft.test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    if (req.equals("abort")) {
                        out.onError(Status.ABORTED.withDescription("as asked").asRuntimeException());
                    } else {
                        out.onNext("echo: " + req);
                        out.onCompleted();
                    }
                }))
                .build();
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                             ServerCallHandler<Q, R> next) {
                serverSaw.add(String.valueOf(headers.get(TRACEPARENT)));
                return next.startCall(call, headers);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(echo, capture)).build().start();
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", ex -> {
            JSON.readTree(ex.getRequestBody().readAllBytes()).forEach(spans::add);
            ex.sendResponseHeaders(202, -1);
            ex.close();
        });
        collector.start();
        String tracing = "tracing:\n  provider:\n    name: envoy.tracers.zipkin\n    typed_config:\n"
                + "      \"@type\": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig\n"
                + "      collector_cluster: collector\n      collector_endpoint: /api/v2/spans\n";
        proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("grpc", ""),
                Bootstraps.cluster("grpc", true, "", server.getPort())
                        + Bootstraps.cluster("collector", false, "", collector.getAddress().getPort()), tracing));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        proxy.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        collector.stop(0);
    }

    private List<JsonNode> spansOf(String traceparentSeen) {
        // a 64-bit trace (trace_id_128bit unset) is 16 digits in Zipkin, zero-padded to 32 in traceparent
        String traceId = traceparentSeen.substring(3, 35).replaceFirst("^0{16}", "");
        return spans.stream().filter(s -> s.get("traceId").asText().equals(traceId)).toList();
    }

    private static JsonNode kind(List<JsonNode> spans, String kind) {
        return spans.stream().filter(s -> s.get("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    @Test
    void theServerSeesTheClientSpanAndStatusesAreRecorded() {
        assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "hi")).isEqualTo("echo: hi");
        StatusRuntimeException aborted = catchThrowableOfType(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "abort"));
        assertThat(aborted.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);

        await().atMost(Duration.ofSeconds(15)).until(() -> spans.size() >= 4);
        assertThat(serverSaw).hasSize(2).allMatch(tp -> tp.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
        List<JsonNode> ok = spansOf(serverSaw.get(0));
        List<JsonNode> failed = spansOf(serverSaw.get(1));
        assertThat(ok).hasSize(2);
        assertThat(failed).hasSize(2);
        JsonNode okClient = kind(ok, "CLIENT");
        assertThat(serverSaw.get(0)).contains("-" + okClient.get("id").asText() + "-");
        assertThat(okClient.get("parentId").asText()).isEqualTo(kind(ok, "SERVER").get("id").asText());
        assertThat(okClient.get("tags").get("rpc.grpc.status_code").asText()).isEqualTo("0");
        assertThat(okClient.get("tags").get("url.path").asText()).isEqualTo("/weft.test.Echo/Unary");
        assertThat(okClient.get("tags").has("error")).isFalse();
        List<JsonNode> all = new ArrayList<>(failed);
        assertThat(all).allSatisfy(s -> {
            assertThat(s.get("tags").get("rpc.grpc.status_code").asText()).isEqualTo("10");
            assertThat(s.get("tags").get("error").asText()).isEqualTo("grpc-status 10");
        });
    }
}
