package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.api.Resource;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.Yaml;
import dev.weft.controlplane.client.ControlPlaneClient;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock grpc-java client with grpc-xds, bootstrapped at the control plane, resolves {@code xds:///greeter} and
 * splits its calls between two versions of the service as a GRPCRoute says.
 */
class ProxylessGrpcTest {

    private static final String TEST_SCHEME = "weft-test-xds";
    private static final int CALLS = 400;
    /** Five standard deviations of a fair binomial over {@link #CALLS}: a fair split fails it once in ~10^6 runs. */
    private static final int TOLERANCE = 50;

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("weft.test.Greeter/Who")
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();

    @TempDir
    Path dataDir;

    private ControlPlane controlPlane;
    private Server v1;
    private Server v2;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        // grpc-java's xds client here speaks plaintext to the control plane (insecure channel credentials)
        controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(0, 0).withInsecureXds(true));
        v1 = greeter("v1");
        v2 = greeter("v2");
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        v1.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        v2.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        controlPlane.close();
    }

    private static Server greeter(String version) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("weft.test.Greeter")
                .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(version);
                    response.onCompleted();
                }))
                .build();
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build()
                .start();
    }

    @SuppressWarnings("unchecked")
    private static Resource<ServiceInstanceSpec> instance(String version, int port) {
        return (Resource<ServiceInstanceSpec>) Yaml.resources("""
                apiVersion: weft.dev/v1alpha1
                kind: ServiceInstance
                metadata: {name: greeter-%1$s, labels: {version: %1$s}}
                spec: {service: greeter, address: 127.0.0.1, port: %2$d, protocol: GRPC, ttl: 1m}
                """.formatted(version, port)).get(0);
    }

    /**
     * A channel to {@code xds:///<service>} whose resolver reads this bootstrap instead of the process's environment.
     * The test resolver has a scheme of its own, so the channel cannot pick the default {@code xds} provider (which
     * would look for GRPC_XDS_BOOTSTRAP) instead.
     */
    @SuppressWarnings("deprecation")
    private ManagedChannel xdsChannel(String service) {
        Map<String, ?> bootstrap = Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", "127.0.0.1:" + controlPlane.xdsPort(),
                        "channel_creds", List.of(Map.of("type", "insecure")),
                        "server_features", List.of("xds_v3"))),
                "node", Map.of("id", "proxyless-greeter-client", "cluster", "tests"));
        return Grpc.newChannelBuilder(TEST_SCHEME + ":///" + service, InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest(TEST_SCHEME, bootstrap))
                .build();
    }

    @Test
    void aFiftyFiftySplitReachesBothVersions() throws Exception {
        ControlPlaneClient client = controlPlane.client();
        client.apply(Yaml.resources("""
                apiVersion: weft.dev/v1alpha1
                kind: Service
                metadata: {name: greeter}
                spec: {ports: [{port: 50051, protocol: GRPC}]}
                ---
                apiVersion: weft.dev/v1alpha1
                kind: DestinationPolicy
                metadata: {name: greeter}
                spec:
                  targetRef: {name: greeter}
                  subsets:
                    - {name: greeter-v1, labels: {version: v1}}
                    - {name: greeter-v2, labels: {version: v2}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: greeter}
                spec:
                  parentRefs: [{group: "", kind: Service, name: greeter}]
                  rules:
                    - matches: [{method: {service: weft.test.Greeter}}]
                      backendRefs:
                        - {group: weft.dev, kind: Subset, name: greeter-v1, port: 50051, weight: 50}
                        - {group: weft.dev, kind: Subset, name: greeter-v2, port: 50051, weight: 50}
                """), false);
        client.register(instance("v1", v1.getPort()));
        client.register(instance("v2", v2.getPort()));
        channel = xdsChannel("greeter");

        Map<String, Integer> counts = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> call() != null);
        for (int i = 0; i < CALLS; i++) {
            counts.merge(call(), 1, Integer::sum);
        }

        System.out.printf("proxyless gRPC split over %d calls: %s%n", CALLS, counts);
        assertThat(counts).containsOnlyKeys("v1", "v2");
        assertThat(counts.get("v1")).isBetween(CALLS / 2 - TOLERANCE, CALLS / 2 + TOLERANCE);
        assertThat(client.proxies()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("proxyless-greeter-client");
            assertThat(p.types().values()).extracting(t -> t.status()).containsOnly("SYNCED");
        });
    }

    private String call() {
        return ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                "who");
    }
}
