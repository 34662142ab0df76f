package dev.weft.bench.mesh;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.testkit.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar's heap in a large mesh: a control plane (in this JVM) holding {@code services} services, and for each
 * case a separate JVM ({@link SidecarProcess}, {@value #MAX_HEAP}) running one client sidecar and nothing else, so
 * its heap is the proxy's: with an empty config, calling a few services, and calling all of them. Two figures per
 * case, both after full collections: the live objects of {@code jcmd GC.class_histogram}, and the heap in use as
 * the child's MemoryMXBean reports it.
 */
final class SidecarHeap {
    static final String MAX_HEAP = "-Xmx256m";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    /** One measured sidecar: what it was given, what it received and its heap. */
    record Result(String label, String upstreams, Map<String, Integer> received, long liveBytes, long usedBytes,
                  Duration timeToReady) {}

    /** Everything measured: the mesh applied and one result per case. */
    record Report(int services, int resources, Duration applyTime, List<Result> results) {}

    private SidecarHeap() {}

    static Report run(MeshOptions options, Path work) throws Exception {
        try (ControlPlane cp = ControlPlane.start(ControlPlaneConfig.defaults(work.resolve("heap-cp")).withPorts(0, 0)
                .withInsecureXds(true))) {
            ControlPlaneClient client = cp.client();
            var mesh = MeshResources.mesh(options.services());
            long start = System.nanoTime();
            client.apply(mesh, false);
            Duration applyTime = Duration.ofNanos(System.nanoTime() - start);

            List<String> few = new ArrayList<>();
            for (int i = 0; i < options.calls(); i++) {
                few.add(MeshResources.serviceName(i * (options.services() / options.calls())));
            }
            List<Result> results = new ArrayList<>();
            results.add(measure("empty config (calls none)", "none", cp.xdsPort(), work));
            results.add(measure("calls " + options.calls() + " (--upstream ×" + options.calls() + ")",
                    String.join(",", few), cp.xdsPort(), work));
            results.add(measure("calls all " + options.services() + " (no upstream list)", "all", cp.xdsPort(), work));
            return new Report(options.services(), mesh.size(), applyTime, results);
        }
    }

    private static Result measure(String label, String upstreams, int xdsPort, Path work) throws Exception {
        Path log = work.resolve("sidecar-" + upstreams.hashCode() + ".log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), MAX_HEAP,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"),
                SidecarProcess.class.getName(), Integer.toString(xdsPort), Integer.toString(Ports.findFree()), upstreams)
                .redirectError(log.toFile());
        long start = System.nanoTime();
        Process child = pb.start();
        try {
            BlockingQueue<String> lines = lines(child);
            String ready = expect(lines, "READY ", READY_TIMEOUT, child, log);
            Duration timeToReady = Duration.ofNanos(System.nanoTime() - start);
            Writer stdin = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
            stdin.write("heap\n");
            stdin.flush();
            Map<String, Long> heap = pairs(expect(lines, "HEAP ", ANSWER_TIMEOUT, child, log));
            long live = liveBytes(child.pid());
            stdin.write("exit\n");
            stdin.flush();
            if (!child.waitFor(20, TimeUnit.SECONDS)) {
                child.destroy();
            }
            Map<String, Integer> received = new HashMap<>();
            pairs(ready).forEach((k, v) -> received.put(k, v.intValue()));
            return new Result(label, upstreams, received, live, heap.get("used"), timeToReady);
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    /** The child's stdout, line by line, read off a daemon thread so a wait can be bounded. */
    private static BlockingQueue<String> lines(Process child) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child ended; the waiting side reports it with the child's log
            }
        }, "sidecar-stdout-" + child.pid());
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static String expect(BlockingQueue<String> lines, String prefix, Duration timeout, Process child, Path log)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
            if (line == null && !child.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new IllegalStateException("the sidecar process did not print '" + prefix.trim() + "' within " + timeout
                + (child.isAlive() ? "" : " (it exited with " + child.exitValue() + ")") + "; its log:\n"
                + Files.readString(log));
    }

    /** Parses {@code a=1 b=2}. */
    private static Map<String, Long> pairs(String line) {
        Map<String, Long> out = new HashMap<>();
        for (String pair : line.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
        }
        return out;
    }

    /**
     * Bytes of live objects in the process: the "Total" line of {@code jcmd PID GC.class_histogram}, which runs a
     * full collection first and counts only what is reachable.
     */
    static long liveBytes(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " GC.class_histogram failed:\n" + out);
        }
        return histogramTotal(out);
    }

    /** The byte count of the {@code Total} line of a class histogram. */
    static long histogramTotal(String histogram) {
        for (String line : histogram.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length == 3 && cols[0].equals("Total")) {
                return Long.parseLong(cols[2]);
            }
        }
        throw new IllegalStateException("no Total line in the class histogram:\n" + histogram);
    }
}
