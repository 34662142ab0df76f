package dev.weft.bench.mesh;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import dev.weft.proxy.xds.XdsStatus;
import dev.weft.proxy.xds.XdsType;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Time from {@code weft apply} to every sidecar serving the new route: a control plane, the chat service's two
 * versions (simulated model servers behind server sidecars) and {@code proxies} client sidecars calling chat, all
 * real Weft proxies in this JVM. Each step applies the chat HTTPRoute with its weights flipped (100:0 ↔ 0:100)
 * through the HTTP API, as {@code weft apply} does, and times from the start of the call until each proxy reports
 * a new applied RDS version (polled every {@value #POLL_MICROS} µs; the proxy sets it after the listeners have
 * swapped to the new route table). One request per step through one of the sidecars checks that the version the
 * new weights select is the one that answers.
 */
final class PushLatency {
    static final long POLL_MICROS = 200;
    /** Applies before the timed ones, so class loading and the first JIT compilations are not timed. */
    static final int WARMUP_APPLIES = 3;
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** The EDS clusters of the chat route's two backends (weight 0 keeps a backend's cluster), as the contract names them. */
    private static final List<String> SUBSET_CLUSTERS = List.of(
            "outbound|chat.default|8000|chat-v1", "outbound|chat.default|8000|chat-v2");

    /**
     * One timed apply.
     *
     * @param v2Weight      the weight of chat-v2 it applied (chat-v1 has the rest of 100)
     * @param applyNanos    the API call's own duration
     * @param proxyNanos    per proxy, from the start of the call to that proxy serving the new route
     * @param expected      the version the request had to reach
     * @param answered      the x-model-version that answered it (or the failure)
     */
    record Step(int v2Weight, long applyNanos, long[] proxyNanos, String expected, String answered) {
        long firstNanos() {
            return Arrays.stream(proxyNanos).min().orElseThrow();
        }

        long lastNanos() {
            return Arrays.stream(proxyNanos).max().orElseThrow();
        }

        boolean served() {
            return expected.equals(answered);
        }
    }

    /** The run: how many proxies, how long they took to get their first config, and the timed steps. */
    record Report(int proxies, Duration startup, List<Step> steps) {}

    private PushLatency() {}

    static Report run(MeshOptions options, Path work) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        ExecutorService applier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mesh-bench-apply");
            t.setDaemon(true);
            return t;
        });
        ControlPlane cp = ControlPlane.start(ControlPlaneConfig.defaults(work.resolve("push-cp")).withPorts(0, 0)
                .withInsecureXds(true));
        try {
            ControlPlaneClient client = cp.client();
            client.apply(MeshResources.chat(100, 0), false);
            for (String version : List.of("v1", "v2")) {
                ModelServer app = ModelServer.start(ModelServerConfig.builder().model("chat-sim").version(version)
                        .instanceId(version).timeToFirstToken(Duration.ofMillis(1)).tokensPerSecond(10_000).build(), 0);
                started.add(app);
                started.add(sidecar(new SidecarBootstrap("127.0.0.1", cp.xdsPort(), MeshResources.NAMESPACE,
                        MeshResources.CHAT, "127.0.0.1", Ports.findFree(), app.port(), null, 0, List.of(),
                        Map.of("version", version), null, null, "127.0.0.1", 0)));
            }

            long startupBegin = System.nanoTime();
            List<ProxyServer> clients = new ArrayList<>();
            List<Integer> outboundPorts = new ArrayList<>();
            for (int i = 0; i < options.proxies(); i++) {
                int outbound = Ports.findFree();
                ProxyServer proxy = sidecar(new SidecarBootstrap("127.0.0.1", cp.xdsPort(), MeshResources.NAMESPACE,
                        "client-" + i, "127.0.0.1", 0, 0, null, outbound,
                        List.of(SidecarBootstrap.Upstream.parse(MeshResources.CHAT)), Map.of(), null, null,
                        "127.0.0.1", 0));
                started.add(proxy);
                clients.add(proxy);
                outboundPorts.add(outbound);
            }
            for (ProxyServer proxy : clients) {
                proxy.configured().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            }
            awaitUntil("every client sidecar has endpoints for both chat versions",
                    () -> clients.stream().allMatch(PushLatency::hasAllEndpoints));
            Duration startup = Duration.ofNanos(System.nanoTime() - startupBegin);

            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < WARMUP_APPLIES + options.applies(); i++) {
                int v2 = i % 2 == 0 ? 100 : 0;
                Step step = step(client, applier, clients, v2, outboundPorts.get(i % clients.size()));
                if (i >= WARMUP_APPLIES) {
                    steps.add(step);
                }
            }
            return new Report(options.proxies(), startup, steps);
        } finally {
            applier.shutdownNow();
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
                if (started.get(i) instanceof ProxyServer p) {
                    p.stopped().get(BOUND.toSeconds(), TimeUnit.SECONDS);
                }
            }
            // last, so that no proxy sees its control plane go away and starts reconnecting
            cp.close();
        }
    }

    private static ProxyServer sidecar(SidecarBootstrap bootstrap) throws IOException, ConfigException {
        return ProxyServer.start(BootstrapLoader.build(bootstrap.validate().toBootstrap()), 1);
    }

    private static boolean hasAllEndpoints(ProxyServer proxy) {
        Map<String, ClusterLoadAssignment> endpoints = proxy.snapshot().resources().endpoints();
        return SUBSET_CLUSTERS.stream().allMatch(name -> endpoints.containsKey(name)
                && endpoints.get(name).getEndpointsList().stream().anyMatch(l -> l.getLbEndpointsCount() > 0));
    }

    /** Applies the route with chat-v2 at {@code v2}, times every proxy to the new version, then sends one request. */
    private static Step step(ControlPlaneClient client, ExecutorService applier, List<ProxyServer> proxies, int v2,
                             int checkPort) throws Exception {
        var route = MeshResources.chat(100 - v2, v2);
        String[] before = new String[proxies.size()];
        for (int i = 0; i < before.length; i++) {
            before[i] = rdsVersion(proxies.get(i));
        }
        long[] at = new long[proxies.size()];
        Arrays.fill(at, -1);
        int pending = proxies.size();

        long start = System.nanoTime();
        CompletableFuture<Long> applied = CompletableFuture.supplyAsync(() -> {
            try {
                client.apply(route, false);
            } catch (IOException e) {
                throw new IllegalStateException("apply failed", e);
            }
            return System.nanoTime() - start;
        }, applier);
        long deadline = start + BOUND.toNanos();
        while (pending > 0) {
            long now = System.nanoTime();
            for (int i = 0; i < at.length; i++) {
                if (at[i] < 0 && !rdsVersion(proxies.get(i)).equals(before[i])) {
                    at[i] = now - start;
                    pending--;
                }
            }
            if (now > deadline || applied.isCompletedExceptionally()) {
                applied.getNow(0L);
                throw new IllegalStateException(pending + " of " + at.length + " proxies did not serve the route with"
                        + " chat-v2 at " + v2 + " within " + BOUND);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(POLL_MICROS));
        }
        long applyNanos = applied.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        String expected = v2 == 100 ? "v2" : "v1";
        return new Step(v2, applyNanos, at, expected, call(checkPort));
    }

    private static String rdsVersion(ProxyServer proxy) {
        XdsStatus.TypeStatus rds = proxy.xdsStatus().types().get(XdsType.RDS);
        return rds == null ? "" : rds.appliedVersion();
    }

    /** One chat completion through the sidecar's outbound port: the x-model-version that answered, or the failure. */
    private static String call(int outboundPort) {
        HttpClient http = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://chat/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat-sim\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return "status " + response.statusCode() + " " + response.headers().firstValue("x-weft-error").orElse("");
            }
            return response.headers().firstValue("x-model-version").orElse("no x-model-version");
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + BOUND + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }
}
