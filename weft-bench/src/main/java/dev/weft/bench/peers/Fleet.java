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
import java.util.List;
import java.util.Map;

/**
 * The processes of one run on loopback: the nginx upstream (on the load generator's core), and the
 * proxies, each pinned to the same single core: nginx (master + one worker), HAProxy (one thread),
 * and Weft started through the {@code ./weft} launcher with one event loop, once alone and once
 * chained in front of itself for the two-hop column. Closing it stops them all.
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

    private Fleet(Path work, boolean pin) {
        this.work = work;
        this.pin = pin;
    }

    /** Starts everything; the caller closes the fleet, also when this throws half way. */
    static Fleet start(Path repo, Path work, int ssePort, boolean pin) {
        Fleet fleet = new Fleet(work, pin);
        try {
            fleet.startAll(repo, ssePort);
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
            int backTls = Ports.findFree();
            long backTlsPid = fleet.startWeft(repo, "weft-back-mtls", backTls,
                    PeerConfigs.weftMtlsServer(backTls, Ports.findFree(), upstream, certificates));
            int frontTls = Ports.findFree();
            long frontTlsPid = fleet.startWeft(repo, "weft-front-mtls", frontTls,
                    PeerConfigs.weftMtlsClient(frontTls, Ports.findFree(), backTls, certificates));
            fleet.targets.add(new Target(Target.WEFT_TWO_HOPS_MTLS, base(frontTls), base(frontTls), base(frontTls),
                    List.of(frontTlsPid, backTlsPid)));
            fleet.mtlsPort = backTls;
            fleet.mtlsServerPid = backTlsPid;
            for (Target target : fleet.targets) {
                checkServes(target);
            }
            return fleet;
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /** The mTLS listener of the inbound hop of {@link Target#WEFT_TWO_HOPS_MTLS} (0 in the peers fleet). */
    int mtlsPort() {
        return mtlsPort;
    }

    /** The process serving {@link #mtlsPort()}. */
    long mtlsServerPid() {
        return mtlsServerPid;
    }

    /** direct, nginx, haproxy, weft, weft x2, in the order of the tables. */
    List<Target> targets() {
        return List.copyOf(targets);
    }

    Target target(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no target " + name));
    }

    /** The GC logs of the Weft processes. */
    List<Path> weftGcLogs() {
        return List.copyOf(weftGcLogs);
    }

    /** The one-hop Weft process (its JVM is the one the launcher picks). */
    long weftPid() {
        return weftPid;
    }

    private void startAll(Path repo, int ssePort) {
        int upstream = startUpstream();
        targets.set(0, new Target(Target.DIRECT, base(upstream), targets.get(0).h2(), base(ssePort).resolve("/sse"), List.of()));

        int nginx = Ports.findFree();
        int nginxH2 = Ports.findFree();
        Path ngDir = dir("nginx");
        long nginxPid = start("nginx proxy", ngDir, PROXY_CORE, nginx,
                List.of(NGINX.toString(), "-p", ngDir.toString(), "-e", "stderr", "-c",
                        write(ngDir, "nginx.conf", PeerConfigs.nginxProxy(ngDir, nginx, nginxH2, upstream, ssePort)).toString()));
        targets.add(new Target(Target.NGINX, base(nginx), base(nginxH2), base(nginx).resolve("/sse"), List.of(nginxPid)));

        int haproxy = Ports.findFree();
        int haproxyH2 = Ports.findFree();
        Path haDir = dir("haproxy");
        long haproxyPid = start("haproxy", haDir, PROXY_CORE, haproxy,
                List.of(HAPROXY.toString(), "-db", "-f",
                        write(haDir, "haproxy.cfg", PeerConfigs.haproxy(haproxy, haproxyH2, upstream, ssePort)).toString()));
        targets.add(new Target(Target.HAPROXY, base(haproxy), base(haproxyH2), base(haproxy).resolve("/sse"), List.of(haproxyPid)));

        int weft = Ports.findFree();
        weftPid = startWeft(repo, "weft", weft, upstream, ssePort);
        targets.add(new Target(Target.WEFT, base(weft), base(weft), base(weft).resolve("/sse"), List.of(weftPid)));

        // the second hop in front of the first: client -> weft-front -> weft -> upstream
        int front = Ports.findFree();
        long frontPid = startWeft(repo, "weft-front", front, weft, weft);
        targets.add(new Target(Target.WEFT_TWO_HOPS, base(front), base(front), base(front).resolve("/sse"), List.of(frontPid, weftPid)));

        for (Target target : targets) {
            checkServes(target);
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
        // The launcher picks the JVM and its options; the benchmark only adds the GC log.
        String opts = (System.getenv().getOrDefault("WEFT_JAVA_OPTS", "") + " -Xlog:gc:file=" + gcLog).trim();
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
