package dev.weft.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.testkit.Ports;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GrpcLoadTest {

    private GrpcUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = GrpcUpstream.start();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void openLoopRecordsEveryCallAfterTheWarmUp() throws Exception {
        // given the gRPC upstream, called directly
        URI target = URI.create("http://127.0.0.1:" + upstream.port() + "/");

        // when 200 calls/s are made for 1 s after 0.5 s of warm-up
        GrpcLoad.OpenLoop run = GrpcLoad.openLoop(target, 200, Duration.ofSeconds(1), Duration.ofMillis(500));
        PeerResults.Latency latency = run.latency();

        // then exactly the 200 calls of the measured second are recorded, none failed, at about the rate
        assertThat(latency.completed()).isEqualTo(200);
        assertThat(latency.failed()).isZero();
        assertThat(run.failures()).isEmpty();
        assertThat(latency.achieved()).isBetween(100.0, 210.0);
        assertThat(latency.p50()).isGreaterThan(0.0).isLessThanOrEqualTo(latency.p99());
        assertThat(latency.p99()).isLessThanOrEqualTo(latency.p999()).isLessThan(10_000.0);
    }

    @Test
    void closedLoopKeepsTheCallsInFlightForThePhase() throws Exception {
        URI target = URI.create("http://127.0.0.1:" + upstream.port() + "/");

        GrpcLoad.Throughput result = GrpcLoad.closedLoop(target, 8, Duration.ofSeconds(1), Duration.ofMillis(200));

        assertThat(result.concurrency()).isEqualTo(8);
        assertThat(result.failed()).isZero();
        assertThat(result.failures()).isEmpty();
        assertThat(result.completed()).isGreaterThan(8);
        assertThat(result.callsPerSecond()).isEqualTo(result.completed() / 1.0);
        assertThat(result.meanMillis()).isGreaterThan(0.0).isLessThanOrEqualTo(result.p99Millis());
    }

    @Test
    void checkPassesAServerThatAnswersTheCall() {
        GrpcLoad.check("direct", URI.create("http://127.0.0.1:" + upstream.port() + "/"));
    }

    @Test
    void checkSaysWhatCameBackFromATargetThatDoesNotCarryGrpc() {
        // given a port nobody listens on
        URI nothing = URI.create("http://127.0.0.1:" + Ports.findFree() + "/");

        assertThatThrownBy(() -> GrpcLoad.check("nowhere", nothing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nowhere")
                .hasMessageContaining("does not carry gRPC")
                .hasMessageContaining("UNAVAILABLE");
    }

    @Test
    void failedCallsAreCountedByHowTheyEnded() throws Exception {
        // given a server that answers the priming calls and refuses every call after them
        AtomicInteger calls = new AtomicInteger();
        Server refusing = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerServiceDefinition.builder(GrpcUpstream.SERVICE)
                        .addMethod(GrpcUpstream.PREDICT, ServerCalls.asyncUnaryCall((request, response) -> {
                            if (calls.incrementAndGet() <= GrpcLoad.CHANNELS) {
                                response.onNext(new byte[GrpcUpstream.RESPONSE_BYTES]);
                                response.onCompleted();
                            } else {
                                response.onError(Status.RESOURCE_EXHAUSTED.withDescription("busy").asRuntimeException());
                            }
                        }))
                        .build())
                .build()
                .start();
        try {
            URI target = URI.create("http://127.0.0.1:" + refusing.getPort() + "/");

            // when the closed loop calls it
            GrpcLoad.Throughput result = GrpcLoad.closedLoop(target, 2, Duration.ofMillis(300), Duration.ZERO);

            // then every measured call failed, and the summary says how
            assertThat(result.completed()).isZero();
            assertThat(result.failed()).isPositive();
            assertThat(result.failures()).isEqualTo(result.failed() + " x status RESOURCE_EXHAUSTED (busy), 0 message(s)");
        } finally {
            refusing.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
