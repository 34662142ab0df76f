package dev.weft.cli;

import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceLoader;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.identity.WorkloadIdentity;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import dev.weft.testkit.Durations;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft demo}: the whole local mesh in one process, on loopback: a control plane (its data in a temporary
 * directory), simulated model servers of two versions of the {@code chat} service each beside a Weft sidecar, and
 * a client app beside its own sidecar, sending chat completions to {@code http://chat/...} through it. The canary
 * split comes from {@code examples/mesh/chat.yaml} and moves live with {@code weft apply}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the local demo mesh: control plane, model servers of chat v1 and v2 beside sidecars, "
                + "and a client app sending traffic through its sidecar, split 90/10 between the versions.",
            "Move the canary while it runs: ./weft apply -f examples/mesh/canary-50.yaml"})
final class DemoCommand implements Callable<Integer> {
    private static final String MODEL = "llama-3-8b";
    private static final String MESH = "mesh/chat.yaml";

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "0s",
            description = "How long to run (e.g. 30s, 2m); 0s runs until Ctrl-C. Default: ${DEFAULT-VALUE}.")
    private String duration;

    @Option(names = "--rate", paramLabel = "RPS", defaultValue = "20",
            description = "Requests per second the demo client sends. Default: ${DEFAULT-VALUE}.")
    private int rate;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "15001",
            description = "The client sidecar's outbound port (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--xds-port", paramLabel = "PORT", defaultValue = "" + ControlPlaneConfig.DEFAULT_XDS_PORT,
            description = "The control plane's xDS port (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    private int xdsPort;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "" + ControlPlaneConfig.DEFAULT_API_PORT,
            description = "The control plane's API port, which weft apply/get use (0 picks a free one). "
                    + "Default: ${DEFAULT-VALUE}.")
    private int apiPort;

    @Option(names = "--dashboard-port", paramLabel = "PORT",
            defaultValue = "" + ControlPlaneConfig.DEFAULT_DASHBOARD_PORT,
            description = "The dashboard's port on 127.0.0.1 (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    private int dashboardPort;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Released once call() has stopped everything and removed its data directory. */
    private final CountDownLatch cleanedUp = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration runFor;
        try {
            runFor = Durations.parse(duration);
        } catch (IllegalArgumentException e) {
            err.println("weft demo: --duration: " + e.getMessage());
            return 2;
        }
        if (rate < 1 || rate > 10_000) {
            err.println("weft demo: --rate: " + rate + " (expected: 1 to 10000)");
            return 2;
        }
        for (int p : new int[] {port, xdsPort, apiPort, dashboardPort}) {
            if (p < 0 || p > 65535) {
                err.println("weft demo: --port/--xds-port/--api-port/--dashboard-port: " + p
                        + " (expected: 0 to 65535)");
                return 2;
            }
        }

        Path dataDir = Files.createTempDirectory("weft-demo-");
        Path credentialsFile = Credentials.defaultFile();
        List<AutoCloseable> running = new ArrayList<>();
        ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "weft-demo");
            t.setDaemon(true);
            return t;
        });
        try {
            ControlPlane controlPlane;
            try {
                controlPlane = ControlPlane.start(ControlPlaneConfig.defaults(dataDir).withPorts(xdsPort, apiPort)
                        .withDashboardPort(dashboardPort));
            } catch (IOException e) {
                err.println("weft demo: cannot start the control plane: " + e.getMessage()
                        + " (another control plane or demo running? --xds-port/--api-port choose others)");
                return 1;
            }
            running.add(controlPlane);
            ControlPlaneClient api = controlPlane.client();
            api.apply(meshResources(), false);
            // weft apply/get in another shell find this control plane without options
            Credentials credentials = new Credentials(controlPlane.apiUri(), controlPlane.adminToken().value(),
                    controlPlane.trustBundleFile());
            credentials.write(credentialsFile);
            running.add(() -> credentials.removeIfStillIn(credentialsFile));

            ModelServerConfig base = ModelServerConfig.builder()
                    .model(MODEL).timeToFirstToken(Duration.ofMillis(40)).tokensPerSecond(400).responseTokens(16).build();
            List<String> instances = new ArrayList<>();
            for (String[] instance : new String[][] {{"v1", "v1-a"}, {"v1", "v1-b"}, {"v2", "v2-a"}}) {
                ModelServerConfig.Builder config = base.toBuilder().version(instance[0]).instanceId(instance[1]);
                if (instance[0].equals("v2")) {
                    config.timeToFirstToken(Duration.ofMillis(25)).tokensPerSecond(600);
                }
                ModelServer server = ModelServer.start(config.build(), 0);
                running.add(server);
                int inbound = Ports.findFree();
                running.add(sidecar(controlPlane, "chat", inbound, server.port(), 0, List.of(),
                        Map.of("version", instance[0])));
                instances.add(instance[1] + " (model server :" + server.port() + ", sidecar :" + inbound + ")");
            }
            int outbound = port == 0 ? Ports.findFree() : port;
            running.add(sidecar(controlPlane, "client", 0, 0, outbound,
                    List.of(SidecarBootstrap.Upstream.parse("chat")), Map.of()));

            out.printf("Weft demo mesh on loopback:%n");
            out.printf("  control plane  xds 127.0.0.1:%d, API %s (state in %s; credentials in %s)%n",
                    controlPlane.xdsPort(), controlPlane.apiUri(), dataDir, credentialsFile);
            out.printf("  dashboard      %s (read-only, this host only)%n", controlPlane.dashboardUri());
            out.printf("  service chat   %s%n", String.join(", ", instances));
            out.printf("  client app     its sidecar's outbound port http://127.0.0.1:%d routes http://chat/...%n", outbound);
            out.printf("Route examples/mesh/chat.yaml: 90%% to chat-v1, 10%% to chat-v2. While this runs, in another shell:%n");
            out.printf("  ./weft apply -f examples/mesh/canary-50.yaml     # then canary-100.yaml, or back to chat.yaml%n");
            out.printf("  ./weft get httproute chat -o yaml;  ./weft proxy-status;  ./weft stat;  ./weft ca status%n");
            out.printf("  curl -x http://127.0.0.1:%d http://chat/v1/chat/completions -H 'content-type: application/json' "
                    + "-d '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'%n", outbound, MODEL);
            out.printf("Sending %d requests/s (every 4th streamed)%s.%n%n", rate,
                    runFor.isZero() ? " until Ctrl-C" : " for " + runFor.toSeconds() + "s");
            out.flush();
            runTraffic(out, ticker, outbound, runFor);
            return 0;
        } catch (ConfigException e) {
            err.println("weft demo: internal sidecar bootstrap rejected: " + e.getMessage());
            return 1;
        } finally {
            try {
                ticker.shutdownNow();
                for (int i = running.size() - 1; i >= 0; i--) {
                    AutoCloseable c = running.get(i);
                    c.close();
                    if (c instanceof ProxyServer proxy) {
                        proxy.stopped().get(10, TimeUnit.SECONDS);
                    }
                }
                deleteRecursively(dataDir);
            } finally {
                cleanedUp.countDown();
            }
        }
    }

    /** The demo's resources: the same file as examples/mesh/chat.yaml, packaged into the jar. */
    private static List<Resource<?>> meshResources() throws IOException, ResourceException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(MESH)) {
            if (in == null) {
                throw new IOException(MESH + " is missing from the jar");
            }
            return new ResourceLoader().load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "examples/" + MESH)
                    .resources();
        }
    }

    private static ProxyServer sidecar(ControlPlane controlPlane, String service, int inboundPort, int appPort,
                                       int outboundPort, List<SidecarBootstrap.Upstream> upstreams,
                                       Map<String, String> labels) throws Exception {
        SidecarBootstrap bootstrap = new SidecarBootstrap("127.0.0.1", controlPlane.xdsPort(), "default", service,
                "127.0.0.1", inboundPort, appPort, null, outboundPort, upstreams, labels, null, null, "127.0.0.1", 0);
        // each sidecar joins as weft proxy --join-token does: a one-time token for its account, its own key, an SVID
        CertificateAuthority ca = controlPlane.certificateAuthority();
        String token = ca.joinTokens().create(bootstrap.namespace(), service, Duration.ofMinutes(1));
        WorkloadIdentity identity = WorkloadIdentity.builder(new SpiffeId(ca.trustDomain(), bootstrap.namespace(), service))
                .controlPlane("127.0.0.1", controlPlane.xdsPort()).trustBundle(ca.bundle()).joinToken(token)
                .join(Duration.ofSeconds(30));
        ProxyServer proxy = ProxyServer.start(BootstrapLoader.build(bootstrap.validate().toBootstrap()), 1, identity);
        try {
            proxy.configured().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            proxy.close();
            throw new IOException("the " + service + " sidecar got no configuration from the control plane in 30s");
        }
        return proxy;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void runTraffic(PrintWriter out, ScheduledExecutorService ticker, int outboundPort, Duration runFor)
            throws InterruptedException {
        // the app calls http://chat/... through its sidecar, as it would with HTTP_PROXY set
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI target = URI.create("http://chat/v1/chat/completions");
        Recorder interval = new Recorder(3);
        Histogram total = new Histogram(3);
        Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
        Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        LongAdder failed = new LongAdder();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            // the JVM halts when its hooks return: wait for the summary and the clean-up of call()
            try {
                cleanedUp.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "weft-demo-stop"));
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        ticker.scheduleAtFixedRate(() -> {
            long n = sent.incrementAndGet();
            boolean stream = n % 4 == 0;
            String body = "{\"model\":\"" + MODEL + "\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say something about meshes, request " + n + "\"}]}";
            HttpRequest req = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long start = System.nanoTime();
            outstanding.incrementAndGet();
            client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, ex) -> {
                outstanding.decrementAndGet();
                long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
                interval.recordValue(micros);
                if (ex != null) {
                    failed.increment();
                    return;
                }
                byStatus.computeIfAbsent(resp.statusCode(), k -> new LongAdder()).increment();
                byVersion.computeIfAbsent(resp.headers().firstValue("x-model-version").orElse("-"), k -> new LongAdder()).increment();
            });
        }, 0, periodNanos, TimeUnit.NANOSECONDS);

        long started = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> {
            Histogram h = interval.getIntervalHistogram();
            total.add(h);
            out.printf("t=%3ds  sent=%-6d %s  %s  failed=%d  p50=%.1fms p99=%.1fms (last second)%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), sent.get(),
                    counts("version", byVersion), counts("status", byStatus), failed.sum(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
            out.flush();
        }, 1, 1, TimeUnit.SECONDS);

        if (runFor.isZero()) {
            stop.await();
        } else {
            stop.await(runFor.toMillis(), TimeUnit.MILLISECONDS);
        }
        ticker.shutdownNow();
        // let the requests already sent finish (each has a 10 s timeout) so the summary counts them
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(11);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        total.add(interval.getIntervalHistogram());
        out.printf("%nSummary: sent=%d %s %s failed=%d latency p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms%n",
                sent.get(), counts("version", byVersion), counts("status", byStatus), failed.sum(),
                total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(90) / 1000.0,
                total.getValueAtPercentile(99) / 1000.0, total.getMaxValue() / 1000.0);
        out.flush();
    }

    private static <K> String counts(String label, Map<K, LongAdder> m) {
        StringBuilder sb = new StringBuilder(label).append("{");
        new TreeMap<>(m).forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : " ").append(k).append('=').append(v.sum()));
        return sb.append('}').toString();
    }
}
