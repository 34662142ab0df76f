package dev.weft.bench.peers;

import dev.weft.testkit.ManagedProcess;
import dev.weft.testkit.Ports;
import dev.weft.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes of one run on loopback: the nginx upstream (on the load generator's core), and the
 * proxies, each pinned to the same single core: nginx (master + one worker), HAProxy (one thread),
 * and Weft started through the {@code ./weft} launcher with one event loop, once alone, once
 * chained in front of itself for the two-hop column, and as a second pair of hops with SPIFFE mTLS
 * between them (as two sidecars talk). Closing it stops them all.
 */
final class Fleet implements AutoCloseable {

    /** The core of the load generator and the upstream; the proxies get {@link #PROXY_CORE}. */
    static final int LOAD_CORE = 0;
    static final int PROXY_CORE = 1;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    // the launcher may build the distribution first
    private static final Duration WEFT_START_TIMEOUT = Duration.ofMinutes(5);
    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    private final Path work;
    private final boolean pin;
    private final List<ManagedProcess> processes = new ArrayList<>();
    private final List<Target> targets = new ArrayList<>();
    private final List<Path> weftGcLogs = new ArrayList<>();
    private long weftPid;
    private int mtlsPort;
    private long mtlsServerPid;
    private int telemetryAdminPort;

    private Fleet(Path work, boolean pin) {
        this.work = work;
        this.pin = pin;
    }

    /**
     * Starts everything, the proxies routing SSE to {@code ssePort} and gRPC to {@code grpcPort} (both servers in the
     * bench JVM), the mTLS pair with {@code certificates}; the caller closes the fleet, also when this throws half way.
     */
    static Fleet start(Path repo, Path work, int ssePort, int grpcPort, MeshCertificates certificates, boolean pin) {
        Fleet fleet = new Fleet(work, pin);
        try {
            fleet.startAll(repo, ssePort, grpcPort, certificates);
            return fleet;
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /**
     * The fleet of the mTLS benchmark: the upstream, two Weft hops in plaintext ({@link Target#WEFT_TWO_HOPS}) and
     * the same two hops with SPIFFE mTLS between them ({@link Target#WEFT_TWO_HOPS_MTLS}, its inbound hop's TLS port
     * is {@link #mtlsPort()}), every Weft process pinned to the proxy core.
     */
    static Fleet startTwoHops(Path repo, Path work, boolean pin, MeshCertificates certificates) {
        Fleet fleet = new Fleet(work, pin);
        try {
            int upstream = fleet.startUpstream();
            int back = Ports.findFree();
            long backPid = fleet.startWeft(repo, "weft-back", back, upstream, upstream);
            int front = Ports.findFree();
            long frontPid = fleet.startWeft(repo, "weft-front", front, back, back);
            fleet.targets.add(new Target(Target.WEFT_TWO_HOPS, base(front), base(front), base(front), List.of(frontPid, backPid)));
            fleet.targets.add(fleet.startMtlsPair(repo, upstream, upstream, 0, certificates));
            for (Target target : fleet.targets) {
                checkServes(target);
            }
            return fleet;
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /**
     * Two Weft hops with SPIFFE mTLS between them ({@link Target#WEFT_TWO_HOPS_MTLS}): the called hop's listener
     * requires a client SVID and routes to the upstream, SSE to {@code ssePort} and gRPC to {@code grpcPort} (none
     * when 0); the calling hop sends everything to it over mTLS, gRPC over HTTP/2. The called hop's TLS port and
     * process are {@link #mtlsPort()} and {@link #mtlsServerPid()}.
     */
    private Target startMtlsPair(Path repo, int upstream, int ssePort, int grpcPort, MeshCertificates certificates) {
        int back = Ports.findFree();
        long backPid = startWeft(repo, "weft-back-mtls", back,
                PeerConfigs.weftMtlsServer(back, Ports.findFree(), upstream, ssePort, grpcPort, certificates));
        int front = Ports.findFree();
        long frontPid = startWeft(repo, "weft-front-mtls", front,
                PeerConfigs.weftMtlsClient(front, Ports.findFree(), back, grpcPort != 0, certificates));
        mtlsPort = back;
        mtlsServerPid = backPid;
        return new Target(Target.WEFT_TWO_HOPS_MTLS, base(front), base(front), base(front).resolve("/sse"),
                grpcPort == 0 ? null : base(front), List.of(frontPid, backPid));
    }

    /**
     * The fleet of the telemetry benchmark: the upstream and one-hop Weft processes pinned to the proxy core: all
     * telemetry off ({@link Target#WEFT_TELEMETRY_OFF}), each kind alone (request metrics, tracing at
     * {@code samplingPercent} to {@code tracingOnlyCollectorPort}, a file access log in {@code work}), and all of it
     * on ({@link Target#WEFT_TELEMETRY_ON}: tracing to {@code collectorPort}, access log {@code work/access.log}).
     */
    static Fleet startTelemetry(Path repo, Path work, boolean pin, int collectorPort, int tracingOnlyCollectorPort,
                                double samplingPercent) {
        Fleet fleet = new Fleet(work, pin);
        try {
            int upstream = fleet.startUpstream();
            fleet.startTelemetryWeft(repo, Target.WEFT_TELEMETRY_OFF, "weft-telemetry-off", upstream, false, null,
                    collectorPort, null);
            fleet.startTelemetryWeft(repo, Target.WEFT_METRICS_ONLY, "weft-metrics", upstream, true, null,
                    collectorPort, null);
            fleet.startTelemetryWeft(repo, Target.WEFT_TRACING_ONLY, "weft-tracing", upstream, false, samplingPercent,
                    tracingOnlyCollectorPort, null);
            fleet.startTelemetryWeft(repo, Target.WEFT_ACCESS_LOG_ONLY, "weft-access-log", upstream, false, null,
                    collectorPort, work.resolve("access-only.log"));
            fleet.telemetryAdminPort = fleet.startTelemetryWeft(repo, Target.WEFT_TELEMETRY_ON, "weft-telemetry-on",
                    upstream, true, samplingPercent, collectorPort, work.resolve("access.log"));
            for (Target target : fleet.targets) {
                checkServes(target);
            }
            return fleet;
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /** Starts one Weft process of the telemetry fleet as target {@code name}; returns its admin port. */
    private int startTelemetryWeft(Path repo, String name, String dirName, int upstream, boolean metrics,
                                   Double samplingPercent, int collectorPort, Path accessLog) {
        int port = Ports.findFree();
        int admin = Ports.findFree();
        long pid = startWeft(repo, dirName, port, PeerConfigs.weftTelemetry(port, admin, upstream, metrics,
                samplingPercent, collectorPort, accessLog));
        targets.add(new Target(name, base(port), base(port), base(port), List.of(pid)));
        return admin;
    }

    /** The admin port of {@link Target#WEFT_TELEMETRY_ON} (0 in other fleets). */
    int telemetryAdminPort() {
        return telemetryAdminPort;
    }

    /** The mTLS listener of the inbound hop of {@link Target#WEFT_TWO_HOPS_MTLS} (0 in the peers fleet). */
    int mtlsPort() {
        return mtlsPort;
    }

    /** The process serving {@link #mtlsPort()}. */
    long mtlsServerPid() {
        return mtlsServerPid;
    }

    /** direct, nginx, haproxy, weft, weft x2, weft x2 mTLS (in the peers fleet), in the order of the tables. */
    List<Target> targets() {
        return List.copyOf(targets);
    }

    Target target(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no target " + name));
    }

    /**
     * The processes that have exited, none of which should before the fleet is closed: the name of each one's work
     * directory (weft, weft-front, nginx, ...) with the last line it printed.
     */
    Map<String, String> exited() {
        Map<String, String> exited = new LinkedHashMap<>();
        for (ManagedProcess process : processes) {
            if (!process.isAlive()) {
                List<String> lines = process.output().lines().filter(l -> !l.isBlank()).toList();
                exited.put(process.outputFile().getParent().getFileName().toString(),
                        "exit " + process.process().exitValue()
                                + (lines.isEmpty() ? "" : ", last printed: " + lines.get(lines.size() - 1).strip()));
            }
        }
        return exited;
    }

    /** The GC logs of the Weft processes. */
    List<Path> weftGcLogs() {
        return List.copyOf(weftGcLogs);
    }

    /** The one-hop Weft process (its JVM is the one the launcher picks). */
    long weftPid() {
        return weftPid;
    }

    private void startAll(Path repo, int ssePort, int grpcPort, MeshCertificates certificates) {
        int upstream = startUpstream();
        targets.set(0, new Target(Target.DIRECT, base(upstream), targets.get(0).h2(), base(ssePort).resolve("/sse"),
                base(grpcPort), List.of()));

        int nginx = Ports.findFree();
        int nginxH2 = Ports.findFree();
        Path ngDir = dir("nginx");
        long nginxPid = start("nginx proxy", ngDir, PROXY_CORE, nginx,
                List.of(NGINX.toString(), "-p", ngDir.toString(), "-e", "stderr", "-c",
                        write(ngDir, "nginx.conf", PeerConfigs.nginxProxy(ngDir, nginx, nginxH2, upstream, ssePort, grpcPort)).toString()));
        targets.add(new Target(Target.NGINX, base(nginx), base(nginxH2), base(nginx).resolve("/sse"), base(nginxH2),
                List.of(nginxPid)));

        int haproxy = Ports.findFree();
        int haproxyH2 = Ports.findFree();
        Path haDir = dir("haproxy");
        long haproxyPid = start("haproxy", haDir, PROXY_CORE, haproxy,
                List.of(HAPROXY.toString(), "-db", "-f",
                        write(haDir, "haproxy.cfg", PeerConfigs.haproxy(haproxy, haproxyH2, upstream, ssePort, grpcPort)).toString()));
        targets.add(new Target(Target.HAPROXY, base(haproxy), base(haproxyH2), base(haproxy).resolve("/sse"),
                base(haproxyH2), List.of(haproxyPid)));

        int weft = Ports.findFree();
        weftPid = startWeft(repo, "weft", weft, PeerConfigs.weft(weft, Ports.findFree(), upstream, ssePort, grpcPort));
        targets.add(new Target(Target.WEFT, base(weft), base(weft), base(weft).resolve("/sse"), base(weft),
                List.of(weftPid)));

        // the second hop in front of the first: client -> weft-front -> weft -> upstream, gRPC over h2c between them
        int front = Ports.findFree();
        long frontPid = startWeft(repo, "weft-front", front, PeerConfigs.weft(front, Ports.findFree(), weft, weft, weft));
        targets.add(new Target(Target.WEFT_TWO_HOPS, base(front), base(front), base(front).resolve("/sse"), base(front),
                List.of(frontPid, weftPid)));

        // the same two hops as sidecars run them, mTLS between them (its own pair: the mTLS hop takes no plaintext)
        targets.add(startMtlsPair(repo, upstream, ssePort, grpcPort, certificates));

        for (Target target : targets) {
            checkServes(target);
            GrpcLoad.check(target.name(), target.grpc());
        }
    }

    /** nginx serving the 1 KiB body on the load core; adds the direct target and returns its HTTP/1.1 port. */
    private int startUpstream() {
        int upstream = Ports.findFree();
        int upstreamH2 = Ports.findFree();
        Path upDir = dir("upstream");
        start("upstream", upDir, LOAD_CORE, upstream,
                List.of(NGINX.toString(), "-p", upDir.toString(), "-e", "stderr", "-c",
                        write(upDir, "nginx.conf", PeerConfigs.upstream(upDir, upstream, upstreamH2)).toString()));
        targets.add(new Target(Target.DIRECT, base(upstream), base(upstreamH2), base(upstream), List.of()));
        return upstream;
    }

    private long startWeft(Path repo, String name, int port, int originPort, int ssePort) {
        return startWeft(repo, name, port, PeerConfigs.weft(port, Ports.findFree(), originPort, ssePort));
    }

    private long startWeft(Path repo, String name, int port, String bootstrapYaml) {
        Path dir = dir(name);
        Path bootstrap = write(dir, "bootstrap.yaml", bootstrapYaml);
        Path gcLog = dir.resolve("gc.log");
        weftGcLogs.add(gcLog);
        // The launcher picks the JVM and its options; the benchmark only adds the GC log. ZGC writes its
        // pauses (Pause Mark Start, Mark End, Relocate Start) only under gc+phases; -Xlog:gc alone has none.
        String opts = (System.getenv().getOrDefault("WEFT_JAVA_OPTS", "") + " -Xlog:gc,gc+phases:file=" + gcLog).trim();
        List<String> command = new ArrayList<>(List.of("env", "WEFT_JAVA_OPTS=" + opts));
        command.addAll(pinned(PROXY_CORE, List.of(repo.resolve("weft").toString(), "proxy",
                "--config", bootstrap.toString(), "--concurrency", "1")));
        ManagedProcess process = Processes.start(dir, dir.resolve("out.log"), command);
        processes.add(process);
        process.awaitPort("127.0.0.1", port, WEFT_START_TIMEOUT);
        return process.process().pid();
    }

    private long start(String name, Path dir, int core, int port, List<String> command) {
        ManagedProcess process = Processes.start(dir, dir.resolve("out.log"), pinned(core, command));
        processes.add(process);
        try {
            process.awaitPort("127.0.0.1", port, START_TIMEOUT);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name + " did not start: " + e.getMessage(), e);
        }
        return process.process().pid();
    }

    private List<String> pinned(int core, List<String> command) {
        if (!pin) {
            return command;
        }
        List<String> pinnedCommand = new ArrayList<>(List.of("taskset", "-c", Integer.toString(core)));
        pinnedCommand.addAll(command);
        return pinnedCommand;
    }

    /** Fails the run early when a target does not answer with the 1 KiB body. */
    private static void checkServes(Target target) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(target.http1().resolve("/")).timeout(Duration.ofSeconds(5)).build();
        String last = "no answer";
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().length() == PeerConfigs.BODY.length()) {
                    return;
                }
                last = "status " + response.statusCode() + ", " + response.body().length() + " bytes, headers "
                        + Map.copyOf(response.headers().map());
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException(target.name() + " at " + target.http1() + " does not serve the 1 KiB body: " + last);
    }

    private Path dir(String name) {
        try {
            return Files.createDirectories(work.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path dir, String file, String text) {
        try {
            return Files.writeString(dir.resolve(file), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URI base(int port) {
        return URI.create("http://127.0.0.1:" + port + "/");
    }


    @Override
    public void close() {
        // the front hop first, the upstream last: nobody sees its upstream vanish under load
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
    }
}
