package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.weft.testkit.Ports;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC through the proxy on real sockets: a grpc-java server (h2c) behind it, a grpc-java client in
 * front (plaintext, HTTP/2 prior knowledge). Statuses, trailers and server streaming pass unchanged;
 * errors the proxy makes itself are gRPC statuses carrying x-weft-error.
 */
class GrpcProxyTest {
    private static final String SERVICE = "weft.test.Echo";
    private static final Metadata.Key<String> X_WEFT_ERROR = Metadata.Key.of("x-weft-error", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> DETAIL = Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);

    private static final Utf8Marshaller UTF8 = Utf8Marshaller.INSTANCE;
    /** Answers "echo: " + the request. */
    private static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    /** Streams "1".."n" for request "n", then fails with ABORTED and an x-detail trailer when n ends in "!". */
    private static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    /** Never answers; counts the calls it got and those its callers (or the proxy) cancelled. */
    private static final MethodDescriptor<String, String> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);

    private final HealthStatusManager health = new HealthStatusManager();
    private final AtomicInteger hangsStarted = new AtomicInteger();
    private final AtomicInteger hangsCancelled = new AtomicInteger();
    private Server server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        ServerServiceDefinition echo = ServerServiceDefinition.builder(SERVICE)
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    out.onNext("echo: " + req);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String req, StreamObserver<String> out) -> {
                    boolean fail = req.endsWith("!");
                    int n = Integer.parseInt(fail ? req.substring(0, req.length() - 1) : req);
                    for (int i = 1; i <= n; i++) {
                        out.onNext(Integer.toString(i));
                    }
                    if (fail) {
                        Metadata trailers = new Metadata();
                        trailers.put(DETAIL, "after-" + n);
                        out.onError(Status.ABORTED.withDescription("stopped after " + n + " (ünïcode, 100%)").asRuntimeException(trailers));
                    } else {
                        out.onCompleted();
                    }
                }))
                .addMethod(HANG, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    // grpc-java runs a cancellation after the handler, never during it, so none is missed.
                    ((ServerCallStreamObserver<String>) out).setOnCancelHandler(hangsCancelled::incrementAndGet);
                    hangsStarted.incrementAndGet();
                }))
                .build();
        health.setStatus(SERVICE, ServingStatus.SERVING);
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(health.getHealthService())
                .addService(echo)
                .build()
                .start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void unaryCallsAndNonOkStatusesPassUnchanged() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            ManagedChannel viaProxy = channel(proxy.port());
            ManagedChannel direct = channel(server.getPort());
            HealthCheckRequest unknown = HealthCheckRequest.newBuilder().setService("no.such.Service").build();

            String echoed = ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "hello");
            HealthCheckResponse serving = HealthGrpc.newBlockingStub(viaProxy)
                    .check(HealthCheckRequest.newBuilder().setService(SERVICE).build());
            StatusRuntimeException proxied = catchThrowableOfType(StatusRuntimeException.class,
                    () -> HealthGrpc.newBlockingStub(viaProxy).check(unknown));
            StatusRuntimeException expected = catchThrowableOfType(StatusRuntimeException.class,
                    () -> HealthGrpc.newBlockingStub(direct).check(unknown));

            String large = "x".repeat(1 << 20);
            String largeEchoed = ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, large);

            assertThat(echoed).isEqualTo("echo: hello");
            assertThat(largeEchoed).as("a 1 MiB message each way, past the HTTP/2 flow-control windows").isEqualTo("echo: " + large);
            assertThat(serving.getStatus()).isEqualTo(ServingStatus.SERVING);
            assertThat(expected.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(proxied.getStatus().getCode()).isEqualTo(expected.getStatus().getCode());
            assertThat(proxied.getStatus().getDescription()).isEqualTo(expected.getStatus().getDescription());
            assertThat(proxied.getTrailers().get(X_WEFT_ERROR)).isNull();
            assertThat(proxy.stat("cluster.grpc.upstream_cx_total")).isEqualTo(1);
        }
    }

    @Test
    void serverStreamingDeliversEveryMessageAndTheTrailers() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            ManagedChannel viaProxy = channel(proxy.port());

            List<String> counted = new ArrayList<>();
            ClientCalls.blockingServerStreamingCall(viaProxy, COUNT, CallOptions.DEFAULT, "200").forEachRemaining(counted::add);
            List<String> beforeFailure = new ArrayList<>();
            Iterator<String> failing = ClientCalls.blockingServerStreamingCall(viaProxy, COUNT, CallOptions.DEFAULT, "3!");
            StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
                    () -> failing.forEachRemaining(beforeFailure::add));

            assertThat(counted).hasSize(200).startsWith("1", "2").endsWith("200");
            assertThat(beforeFailure).containsExactly("1", "2", "3");
            assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
            assertThat(failure.getStatus().getDescription()).isEqualTo("stopped after 3 (ünïcode, 100%)");
            assertThat(failure.getTrailers().get(DETAIL)).isEqualTo("after-3");
        }
    }

    @Test
    void eachStreamedMessageIsRelayedAsItIsSent() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            ManagedChannel viaProxy = channel(proxy.port());
            BlockingQueue<Object> received = new LinkedBlockingQueue<>();
            ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];

            HealthGrpc.newStub(viaProxy).watch(HealthCheckRequest.newBuilder().setService(SERVICE).build(),
                    new ClientResponseObserver<HealthCheckRequest, HealthCheckResponse>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
                            call[0] = requestStream;
                        }

                        @Override
                        public void onNext(HealthCheckResponse value) {
                            received.add(value.getStatus());
                        }

                        @Override
                        public void onError(Throwable t) {
                            received.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            received.add("completed");
                        }
                    });

            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
            health.setStatus(SERVICE, ServingStatus.NOT_SERVING);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
            health.setStatus(SERVICE, ServingStatus.SERVING);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
            call[0].cancel("test done", null);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(StatusRuntimeException.class);
        }
    }

    @Test
    void noRouteIsUnimplemented() throws Exception {
        String routes = "- match: {prefix: \"/grpc.health.v1.Health/\"}\n  route: {cluster: grpc}\n";
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(routes, Bootstraps.cluster("grpc", true, "", server.getPort())))) {
            ManagedChannel viaProxy = channel(proxy.port());

            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "hello"));
            HealthCheckResponse routed = HealthGrpc.newBlockingStub(viaProxy)
                    .check(HealthCheckRequest.newBuilder().setService(SERVICE).build());

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(e.getStatus().getDescription()).contains("no route").contains("/" + SERVICE + "/Unary");
            assertThat(e.getTrailers().get(X_WEFT_ERROR)).isEqualTo("no_route");
            assertThat(routed.getStatus()).as("the connection goes on serving").isEqualTo(ServingStatus.SERVING);
        }
    }

    @Test
    void unreachableUpstreamIsUnavailable() throws Exception {
        // below the ephemeral range: no port-0 listener of this test can take it
        int deadPort = Ports.findFree();
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                Bootstraps.routeTo("grpc", ""), Bootstraps.cluster("grpc", true, "", deadPort)))) {
            ManagedChannel viaProxy = channel(proxy.port());

            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "hello"));

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains(String.valueOf(deadPort));
            assertThat(e.getTrailers().get(X_WEFT_ERROR)).isEqualTo("upstream_connect_failure");
        }
    }

    @Test
    void routeTimeoutIsDeadlineExceeded() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap("timeout: 3s"))) {
            ManagedChannel viaProxy = channel(proxy.port());
            // connected and warm, so the hanging call reaches the server well within the route timeout
            ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "warm-up");

            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(viaProxy, HANG, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "x"));
            String afterTimeout = ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "still there");

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(e.getTrailers().get(X_WEFT_ERROR)).as("the proxy's timeout, not the client's deadline").isEqualTo("upstream_timeout");
            assertThat(e.getStatus().getDescription()).contains("3000 ms");
            assertThat(afterTimeout).isEqualTo("echo: still there");
            assertThat(proxy.stat("cluster.grpc.upstream_rq_timeout")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hangsStarted).hasValue(1));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(hangsCancelled).as("the proxy reset the upstream stream").hasValue(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.stat("cluster.grpc.upstream_rq_active") == 0);
        }
    }

    @Test
    void clientCancellationReachesTheUpstream() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            ManagedChannel viaProxy = channel(proxy.port());

            ListenableFuture<String> call = ClientCalls.futureUnaryCall(viaProxy.newCall(HANG, CallOptions.DEFAULT), "x");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hangsStarted).hasValue(1));
            call.cancel(true);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hangsCancelled).hasValue(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.stat("cluster.grpc.upstream_rq_active") == 0);
            assertThat(ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "next")).isEqualTo("echo: next");
        }
    }

    /**
     * A client with more calls than the proxy's default stream limit on one connection: the proxy holds 100
     * and the client queues the rest (without the limit, all of them would sit in the proxy's heap).
     */
    @Test
    void oneConnectionCarriesAtMostTheDefaultStreamLimit() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            ManagedChannel viaProxy = channel(proxy.port());
            for (int i = 0; i < 500; i++) {
                ClientCalls.futureUnaryCall(viaProxy.newCall(HANG, CallOptions.DEFAULT), "x" + i);
            }

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(hangsStarted).hasValue(100));
            assertThat(proxy.stat("http.main.downstream_rq_active")).isEqualTo(100);
            assertThat(proxy.stat("cluster.grpc.upstream_rq_pending_overflow")).isZero();
        }
    }

    /**
     * An upstream that takes 5 streams per connection and a burst of 30 calls before the proxy has any
     * connection to it: the proxy waits for the server's SETTINGS and opens no stream past the limit
     * (the server would refuse it, and then fail the whole connection on its DATA), using more
     * connections instead; every call succeeds.
     */
    @Test
    void aBurstOnAColdPoolRespectsTheUpstreamStreamLimit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        MethodDescriptor<String, String> gate = method("Gate", MethodDescriptor.MethodType.UNARY);
        Server limited = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .maxConcurrentCallsPerConnection(5)
                .addService(ServerServiceDefinition.builder(SERVICE)
                        .addMethod(gate, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                            started.incrementAndGet();
                            new Thread(() -> {
                                try {
                                    release.await(30, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                out.onNext("done " + req);
                                out.onCompleted();
                            }).start();
                        }))
                        .build())
                .build()
                .start();
        try (ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(Bootstraps.routeTo("grpc", ""),
                Bootstraps.cluster("grpc", true, "", limited.getPort())))) {
            ManagedChannel viaProxy = channel(proxy.port());
            List<ListenableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                calls.add(ClientCalls.futureUnaryCall(viaProxy.newCall(gate, CallOptions.DEFAULT), "c" + i));
            }

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(started).hasValue(30));
            release.countDown();
            List<String> answers = new ArrayList<>();
            for (ListenableFuture<String> call : calls) {
                answers.add(call.get(20, TimeUnit.SECONDS));
            }

            assertThat(answers).hasSize(30).allMatch(a -> a.startsWith("done c"));
            assertThat(proxy.stat("cluster.grpc.upstream_cx_total")).isEqualTo(6);
            assertThat(proxy.stat("cluster.grpc.upstream_rq_reset")).isZero();
        } finally {
            release.countDown();
            limited.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Calls cancelled by their client (deadlines passing under load) reset their streams: 300 in a few
     * seconds do not make the proxy close the connection (Netty's default closes it after 200 in 30 s).
     */
    @Test
    void manyCancelledCallsKeepTheConnection() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            ManagedChannel viaProxy = channel(proxy.port());
            assertThat(ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "first")).isEqualTo("echo: first");
            for (int batch = 0; batch < 6; batch++) {
                int startedBefore = hangsStarted.get();
                List<ListenableFuture<String>> calls = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    calls.add(ClientCalls.futureUnaryCall(viaProxy.newCall(HANG, CallOptions.DEFAULT), "x"));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> hangsStarted.get() == startedBefore + 50);
                calls.forEach(c -> c.cancel(true));
                int total = 50 * (batch + 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> hangsCancelled.get() == total);
            }

            assertThat(ClientCalls.blockingUnaryCall(viaProxy, UNARY, CallOptions.DEFAULT, "last")).isEqualTo("echo: last");
            assertThat(proxy.stat("http.main.downstream_cx_total")).as("one connection all along").isEqualTo(1);
        }
    }

    /** Many calls in flight on few connections: every one is answered, and every upstream stream is released. */
    @Test
    void manyConcurrentCallsAllCompleteAndReleaseTheirStreams() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(grpcBootstrap(""))) {
            List<ManagedChannel> viaProxy = List.of(channel(proxy.port()), channel(proxy.port()));
            int calls = 20_000;
            Semaphore inFlight = new Semaphore(256);
            AtomicInteger ok = new AtomicInteger();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(calls);
            for (int i = 0; i < calls; i++) {
                assertThat(inFlight.tryAcquire(30, TimeUnit.SECONDS)).as("call %d got a slot", i).isTrue();
                String req = "c" + i;
                ClientCalls.asyncUnaryCall(viaProxy.get(i % 2).newCall(UNARY, CallOptions.DEFAULT), req, new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        if (value.equals("echo: " + req)) {
                            ok.incrementAndGet();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        failures.add(t);
                        inFlight.release();
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        inFlight.release();
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(failures).isEmpty();
            assertThat(ok).hasValue(calls);
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.stat("cluster.grpc.upstream_rq_active") == 0);
        }
    }

    private String grpcBootstrap(String routeExtra) {
        return Bootstraps.of(Bootstraps.routeTo("grpc", routeExtra), Bootstraps.cluster("grpc", true, "", server.getPort()));
    }

    private ManagedChannel channel(int port) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(UTF8)
                .setResponseMarshaller(UTF8)
                .build();
    }
}
